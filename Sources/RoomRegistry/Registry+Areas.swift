import Foundation
import GRDB

extension Registry {
    /// The area tree (`GET /api/v1/areas`) down to `depth`, with live online counts. Memory only:
    /// the tree is precomputed at open and after each import or seed; only counts are folded in.
    public func areaTree(depth: AreaLevel = .village) -> [AreaNode] {
        let online = status.roomCodes(with: .online)
        return tree.withLock { $0 }.render(onlineRooms: online, depth: depth)
    }

    /// One area.
    public func area(code: String) async throws -> Area {
        guard AreaCode.isDigits(code), [6, 9, 12].contains(code.utf8.count) else {
            throw RegistryError(.invalid, "'\(code.prefix(20))' is not an area code of 6, 9 or 12 digits")
        }
        let record = try await read { db in try AreaRecord.fetchOne(db, key: code) }
        guard let record else { throw RegistryError(.notFound, "no area \(code)") }
        return record.area
    }

    public func counts() async throws -> RegistryCounts {
        try await read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            return RegistryCounts(
                cities: try count("SELECT COUNT(*) FROM area WHERE level = 'city'"),
                counties: try count("SELECT COUNT(*) FROM area WHERE level = 'county'"),
                townships: try count("SELECT COUNT(*) FROM area WHERE level = 'township'"),
                villages: try count("SELECT COUNT(*) FROM area WHERE level = 'village'"),
                rooms: try count("SELECT COUNT(*) FROM room"),
                organisations: try count("SELECT COUNT(*) FROM organisation"),
                devices: try count("SELECT COUNT(*) FROM device"),
                keys: try count("SELECT COUNT(*) FROM srtKey WHERE retiredAt IS NULL"),
                points: try count("SELECT COUNT(*) FROM point"))
        }
    }
}
