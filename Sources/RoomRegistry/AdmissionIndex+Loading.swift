import Foundation
import GRDB

extension AdmissionIndex {
    /// Builds every entry from the database: one pass over each table, no query per source.
    static func loadAll(_ db: Database) throws -> [String: AdmissionEntry] {
        let chains = try AreaChains(db)
        var organisations: [String: OrganisationRecord] = [:]
        for org in try OrganisationRecord.fetchAll(db) { organisations[org.id] = org }
        var rooms: [String: RoomRecord] = [:]
        for room in try RoomRecord.fetchAll(db) { rooms[room.code] = room }
        var devices: [String: DeviceRecord] = [:]
        for device in try DeviceRecord.fetchAll(db) { devices[device.id] = device }

        var result: [String: AdmissionEntry] = [:]
        let keys = try SRTKeyRecord.fetchAll(db, sql: "SELECT * FROM srtKey WHERE retiredAt IS NULL")
        for key in keys {
            // A key whose source no longer exists (or a malformed path) admits nothing.
            guard let path = try? SourcePath(parsing: key.sourcePath) else { continue }
            let entry: AdmissionEntry?
            switch path.kind {
            case .room:
                entry = rooms[path.identifier].map { roomEntry($0, key: key, chains: chains) }
            case .device:
                entry = devices[path.identifier].map { deviceEntry($0, key: key, organisations: organisations, chains: chains) }
            case .hall:
                entry = organisations[path.identifier].map { hallEntry($0, key: key, chains: chains) }
            }
            if let entry { result[entry.path] = entry }
        }
        return result
    }

    /// Builds the entry of one source with targeted queries (after a single-source write).
    /// Returns nil if the source or its current key does not exist.
    static func load(_ db: Database, path: SourcePath) throws -> AdmissionEntry? {
        guard let key = try SRTKeyRecord.current(db, path: path.path) else { return nil }
        let chains = AreaChains(lazy: db)
        switch path.kind {
        case .room:
            guard let room = try RoomRecord.fetchOne(db, key: path.identifier) else { return nil }
            return roomEntry(room, key: key, chains: chains)
        case .device:
            guard let device = try DeviceRecord.fetchOne(db, key: path.identifier) else { return nil }
            var organisations: [String: OrganisationRecord] = [:]
            if let org = try OrganisationRecord.fetchOne(db, key: device.organisationId) { organisations[org.id] = org }
            return deviceEntry(device, key: key, organisations: organisations, chains: chains)
        case .hall:
            guard let org = try OrganisationRecord.fetchOne(db, key: path.identifier) else { return nil }
            return hallEntry(org, key: key, chains: chains)
        }
    }

    private static func roomEntry(_ room: RoomRecord, key: SRTKeyRecord, chains: AreaChains) -> AdmissionEntry {
        // A room belongs to its township's command centre, whose id is the township code.
        AdmissionEntry(path: "room/\(room.code)", kind: .room, passphrase: key.passphrase, keyCreatedAt: key.createdAt,
                       revoked: false, organisation: room.townshipCode, areaCodes: chains.chain(of: room.code))
    }

    private static func deviceEntry(_ device: DeviceRecord, key: SRTKeyRecord, organisations: [String: OrganisationRecord],
                                    chains: AreaChains) -> AdmissionEntry {
        let areaCodes = organisations[device.organisationId].map { chains.chain(of: $0.areaCode) } ?? []
        return AdmissionEntry(path: "cam/\(device.id)", kind: .device, passphrase: key.passphrase, keyCreatedAt: key.createdAt,
                              revoked: device.state == .revoked, organisation: device.organisationId, areaCodes: areaCodes)
    }

    private static func hallEntry(_ org: OrganisationRecord, key: SRTKeyRecord, chains: AreaChains) -> AdmissionEntry {
        AdmissionEntry(path: "hall/\(org.id)", kind: .hall, passphrase: key.passphrase, keyCreatedAt: key.createdAt,
                       revoked: false, organisation: org.id, areaCodes: chains.chain(of: org.areaCode))
    }
}

/// Resolves an area code to its ancestry (city first), either from a preloaded parent table or
/// with a query per level.
private final class AreaChains {
    private var parents: [String: String?]
    private let db: Database?

    init(_ db: Database) throws {
        parents = [:]
        for row in try Row.fetchAll(db, sql: "SELECT code, parentCode FROM area") {
            let code: String = row["code"]
            let parent: String? = row["parentCode"]
            parents[code] = .some(parent)
        }
        self.db = nil
    }

    init(lazy db: Database) {
        parents = [:]
        self.db = db
    }

    func chain(of code: String) -> [String] {
        var chain: [String] = []
        var current: String? = code
        // Bounded walk: a corrupt parent cycle must not hang the caller.
        while let code = current, chain.count < 8 {
            guard let parent = parent(of: code) else { break }
            chain.append(code)
            current = parent
        }
        return chain.reversed()
    }

    /// `.some(nil)` for a root, `nil` for an unknown code.
    private func parent(of code: String) -> String?? {
        if let known = parents[code] { return .some(known) }
        guard let db else { return nil }
        guard let row = try? Row.fetchOne(db, sql: "SELECT parentCode FROM area WHERE code = ?", arguments: [code]) else { return nil }
        let parent: String? = row["parentCode"]
        parents[code] = .some(parent)
        return .some(parent)
    }
}
