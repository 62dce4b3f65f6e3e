import PathRules
import Foundation
import GRDB

extension Registry {
    /// Rooms matching `query`, in code order, one page at a time (`GET /api/v1/rooms`).
    ///
    /// Every user value reaches SQLite as a bound parameter; `q` is matched literally (`%`, `_`
    /// and `\` are escaped for LIKE), so quotes or SQL in it only ever match nothing.
    public func rooms(_ query: RoomQuery = RoomQuery()) async throws -> RoomPage {
        guard query.limit >= 1 else { throw RegistryError(.invalid, "limit must be at least 1") }
        let limit = min(query.limit, RoomQuery.maximumLimit)

        var conditions: [String] = []
        var arguments = StatementArguments()
        if let county = query.county {
            guard AreaCode.isValid(county, level: .county) else {
                throw RegistryError(.invalid, "county must be a 6-digit code, not '\(county.prefix(20))'")
            }
            // Codes extend their parents, so a county is a contiguous range of room codes (uses the primary key).
            conditions.append("code BETWEEN ? AND ?")
            arguments += [county + "000000", county + "999999"]
        }
        if let township = query.township {
            guard AreaCode.isValid(township, level: .township) else {
                throw RegistryError(.invalid, "township must be a 9-digit code, not '\(township.prefix(20))'")
            }
            conditions.append("code BETWEEN ? AND ?")
            arguments += [township + "000", township + "999"]
        }
        if let q = query.q?.trimmingCharacters(in: .whitespacesAndNewlines), !q.isEmpty {
            guard q.count <= 100 else { throw RegistryError(.invalid, "q is longer than 100 characters") }
            let pattern = "%" + Self.escapeLike(q) + "%"
            conditions.append("(name LIKE ? ESCAPE '\\' OR code LIKE ? ESCAPE '\\')")
            arguments += [pattern, pattern]
        }
        if let wanted = query.status {
            // Live status lives in memory; hand SQLite the matching (or, for offline, the
            // non-matching) codes as one JSON array parameter.
            let codes = wanted == .offline ? status.roomCodes(notIn: .offline) : status.roomCodes(with: wanted)
            let json = String(decoding: try JSONEncoder().encode(codes), as: UTF8.self)
            conditions.append(wanted == .offline ? "code NOT IN (SELECT value FROM json_each(?))" : "code IN (SELECT value FROM json_each(?))")
            arguments += [json]
        }
        if let cursor = query.cursor {
            conditions.append("code > ?")
            arguments += [try RoomCursor.decode(cursor)]
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT * FROM room \(whereClause) ORDER BY code LIMIT ?"
        arguments += [limit + 1]
        let finalArguments = arguments

        let records = try await read { db in try RoomRecord.fetchAll(db, sql: sql, arguments: finalArguments) }
        let page = records.prefix(limit)
        let rooms = page.map { RoomSummary(room: $0.room, status: status.status(path: "room/\($0.code)").status) }
        let next = records.count > limit ? page.last.map { RoomCursor.encode(lastCode: $0.code) } : nil
        return RoomPage(rooms: rooms, nextCursor: next)
    }

    /// One room with its township, county and live figures (`GET /api/v1/rooms/{code}`).
    public func room(code: String) async throws -> RoomDetail {
        do {
            try IdentifierRule.villageCode.check(code)
        } catch {
            throw RegistryError(.invalid, error.message)
        }
        let found = try await read { db -> (RoomRecord, String, String)? in
            guard let room = try RoomRecord.fetchOne(db, key: code) else { return nil }
            let township = try AreaRecord.fetchOne(db, key: room.townshipCode)
            let county = try township?.parentCode.flatMap { try AreaRecord.fetchOne(db, key: $0) }
            return (room, township?.name ?? "", county?.name ?? "")
        }
        guard let (record, townshipName, countyName) = found else {
            throw RegistryError(.notFound, "no room \(code)")
        }
        let room = record.room
        return RoomDetail(room: room, townshipName: townshipName, countyName: countyName, live: status.status(path: room.sourcePath))
    }

    static func escapeLike(_ text: String) -> String {
        var out = ""
        for ch in text {
            if ch == "\\" || ch == "%" || ch == "_" { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}
