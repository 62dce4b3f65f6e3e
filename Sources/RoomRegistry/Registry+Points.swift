import Foundation
import GRDB
import PathRules

extension Registry {
    // MARK: - Writing

    /// Registers a point. Every field is checked first (the refusal names it) and nothing is
    /// written on a refusal; credentials are sealed with `<data>/points.key`, made now if this is
    /// the first point with any.
    public func createPoint(_ draft: PointDraft, at now: Date = Date()) async throws -> Point {
        let valid = try draft.validated()
        let sealed = try valid.credentials.map { try pointKey.seal($0, pointID: valid.id, key: try pointKey.forWriting()) }
        return try await write { db in
            try Self.requirePointArea(valid.areaCode, db)
            guard try !PointRecord.exists(db, key: valid.id) else {
                throw RegistryError(.duplicate, "a point '\(valid.id)' already exists", field: "id")
            }
            try PointRecord(valid, credentials: sealed, createdAt: now, updatedAt: now).insert(db)
            let stored = try Self.storedPoint(valid.id, db)
            return WriteOutcome(value: stored.point, points: .upsert([stored.id: stored.areaCode]))
        }
    }

    /// Changes the fields `patch` carries; the rest stay. Omitted credentials stay as stored; an
    /// explicit empty username clears them.
    public func updatePoint(id: String, _ patch: PointPatch, at now: Date = Date()) async throws -> Point {
        try PointRules.checkID(id)
        let name = try patch.name.map(PointRules.name)
        let network = try patch.network.map(PointRules.network)
        let areaCode = try patch.areaCode.map(PointRules.areaCodeSyntax)
        let latitude = try patch.latitude.map(PointRules.latitude)
        let longitude = try patch.longitude.map(PointRules.longitude)
        let sourceKind = try patch.sourceKind.map { try PointRules.sourceKind($0) }
        let url = try patch.url.map(PointRules.url)
        let transport = try patch.transport.map { try PointRules.transport($0) }
        var newCredentials: Data?
        switch patch.credentials {
        case .keep, .clear:
            break
        case .set(let credentials):
            if let valid = try PointRules.credentials(credentials) {
                newCredentials = try pointKey.seal(valid, pointID: id, key: try pointKey.forWriting())
            }
        case .password(let password):
            try PointRules.password(password)
        }
        let change = patch.credentials
        let sealedCredentials = newCredentials
        let key = pointKey
        return try await write { db in
            guard var record = try PointRecord.fetchOne(db, key: id) else {
                throw RegistryError(.notFound, "no point '\(id)'")
            }
            if let name { record.name = name }
            if let network { record.network = network.rawValue }
            if let areaCode, areaCode != record.areaCode {
                try Self.requirePointArea(areaCode, db)
                record.areaCode = areaCode
            }
            if let latitude { record.latitude = latitude }
            if let longitude { record.longitude = longitude }
            if let sourceKind { record.sourceKind = sourceKind.rawValue }
            if let url { record.url = url }
            if let transport { record.transport = transport.rawValue }
            if let enabled = patch.enabled { record.enabled = enabled }
            switch change {
            case .keep:
                break
            case .clear:
                record.credentials = nil
            case .set:
                // An empty username in `.set` (nothing sealed) clears too.
                record.credentials = sealedCredentials
            case .password(let password):
                guard let sealed = record.credentials else {
                    throw RegistryError(.invalid, "point '\(id)' has no stored username; give the username with the password",
                                        field: "source.username")
                }
                let stored = try key.unseal(sealed, pointID: id)
                record.credentials = try key.seal(PointCredentials(username: stored.username, password: password), pointID: id,
                                                  key: try key.forWriting())
            }
            record.updatedAt = now
            try record.update(db)
            let stored = try Self.storedPoint(id, db)
            return WriteOutcome(value: stored.point, points: .upsert([stored.id: stored.areaCode]))
        }
    }

    /// Enables or disables a point (a disabled point is not pulled).
    @discardableResult
    public func setPointEnabled(id: String, _ enabled: Bool, at now: Date = Date()) async throws -> Point {
        try await updatePoint(id: id, PointPatch(enabled: enabled), at: now)
    }

    /// Removes a point and its stored credentials.
    public func deletePoint(id: String) async throws {
        try PointRules.checkID(id)
        _ = try await write { db in
            guard try PointRecord.deleteOne(db, key: id) else {
                throw RegistryError(.notFound, "no point '\(id)'")
            }
            return WriteOutcome(value: true, points: .remove([id]))
        }
    }

    /// The row as stored, so that a write answers exactly what a later read gives (timestamps are
    /// stored to the millisecond).
    static func storedPoint(_ id: String, _ db: Database) throws -> PointRecord {
        guard let record = try PointRecord.fetchOne(db, key: id) else {
            throw RegistryError(.storage, "point '\(id)' vanished inside its own write")
        }
        return record
    }

    /// A point's area must exist and be a county, township or village: jurisdiction follows it.
    static func requirePointArea(_ code: String, _ db: Database) throws {
        guard let area = try AreaRecord.fetchOne(db, key: code) else {
            throw RegistryError(.invalid, "no area \(code) in the registry", field: "areaCode")
        }
        guard area.level != .city else {
            throw RegistryError(.invalid, "a point belongs to a county, township or village, not to the city \(code)", field: "areaCode")
        }
    }

    // MARK: - Reading

    /// One point (credentials never included: `source.hasCredentials` says whether it has any).
    public func point(id: String) async throws -> Point {
        try PointRules.checkID(id)
        let record = try await read { db in try PointRecord.fetchOne(db, key: id) }
        guard let record else { throw RegistryError(.notFound, "no point '\(id)'") }
        return record.point
    }

    /// What the puller needs for `point/<id>`, credentials decrypted. For the server's own use:
    /// never serialise it.
    public func pointSource(id: String) async throws -> PointPullSource {
        try PointRules.checkID(id)
        let record = try await read { db in try PointRecord.fetchOne(db, key: id) }
        guard let record else { throw RegistryError(.notFound, "no point '\(id)'") }
        let credentials = try record.credentials.map { try pointKey.unseal($0, pointID: id) }
        return PointPullSource(id: id, kind: PointSourceKind(rawValue: record.sourceKind) ?? .rtsp, url: record.url,
                               transport: PointTransport(rawValue: record.transport) ?? .tcp, credentials: credentials,
                               enabled: record.enabled)
    }

    /// Points matching `query`, in area-code then id order, one page at a time (`GET /api/v1/points`).
    /// Every user value reaches SQLite as a bound parameter; `q` is matched literally.
    public func points(_ query: PointQuery = PointQuery()) async throws -> PointPage {
        guard query.limit >= 1 else { throw RegistryError(.invalid, "limit must be at least 1", field: "limit") }
        let limit = min(query.limit, PointQuery.maximumLimit)
        var (conditions, arguments) = try Self.pointFilters(county: query.county, township: query.township, network: query.network)
        if let q = query.q?.trimmingCharacters(in: .whitespacesAndNewlines), !q.isEmpty {
            guard q.count <= 100 else { throw RegistryError(.invalid, "q is longer than 100 characters", field: "q") }
            let pattern = "%" + Self.escapeLike(q) + "%"
            conditions.append("(name LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\')")
            arguments += [pattern, pattern]
        }
        if let cursor = query.cursor {
            let after = try PointCursor.decode(cursor)
            // A row value: SQLite takes it as a range on the (areaCode, id) index.
            conditions.append("(areaCode, id) > (?, ?)")
            arguments += [after.areaCode, after.id]
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT * FROM point \(whereClause) ORDER BY areaCode, id LIMIT ?"
        arguments += [limit + 1]
        let finalArguments = arguments
        let records = try await read { db in try PointRecord.fetchAll(db, sql: sql, arguments: finalArguments) }
        let page = records.prefix(limit)
        let next = records.count > limit ? page.last.map { PointCursor.encode(areaCode: $0.areaCode, id: $0.id) } : nil
        return PointPage(points: page.map(\.point), nextCursor: next)
    }

    /// The points within `query.radiusKm` of a place, nearest first (ties by id): a bounding box
    /// on the latitude/longitude index picks the candidates, the haversine distance decides.
    public func points(near query: PointNearQuery) async throws -> [NearbyPoint] {
        let latitude = try Self.nearValue(query.latitude, field: "near", range: -90...90, what: "latitude")
        let longitude = try Self.nearValue(query.longitude, field: "near", range: -180...180, what: "longitude")
        guard query.radiusKm.isFinite, query.radiusKm > 0, query.radiusKm <= PointNearQuery.maximumRadiusKm else {
            throw RegistryError(.invalid, "radiusKm must be more than 0 and at most \(Int(PointNearQuery.maximumRadiusKm))", field: "radiusKm")
        }
        guard (1...PointNearQuery.maximumLimit).contains(query.limit) else {
            throw RegistryError(.invalid, "limit must be from 1 to \(PointNearQuery.maximumLimit) with near", field: "limit")
        }
        var (conditions, arguments) = try Self.pointFilters(county: query.county, township: query.township, network: query.network)
        let box = GeoDistance.boundingBox(latitude: latitude, longitude: longitude, radiusKm: query.radiusKm)
        conditions.append("latitude BETWEEN ? AND ?")
        arguments += [box.latitude.lowerBound, box.latitude.upperBound]
        conditions.append("(" + box.longitude.map { _ in "longitude BETWEEN ? AND ?" }.joined(separator: " OR ") + ")")
        for range in box.longitude { arguments += [range.lowerBound, range.upperBound] }
        let sql = "SELECT id, latitude, longitude FROM point WHERE " + conditions.joined(separator: " AND ")
        let finalArguments = arguments
        let radius = query.radiusKm, limit = query.limit
        return try await read { db in
            var candidates: [(id: String, distance: Double)] = []
            let rows = try Row.fetchCursor(db, sql: sql, arguments: finalArguments)
            while let row = try rows.next() {
                let id: String = row[0], pointLatitude: Double = row[1], pointLongitude: Double = row[2]
                let distance = GeoDistance.kilometres(latitude: latitude, longitude: longitude, latitude: pointLatitude, longitude: pointLongitude)
                if distance <= radius { candidates.append((id: id, distance: distance)) }
            }
            candidates.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.id < $1.id }
            let nearest = candidates.prefix(limit)
            guard !nearest.isEmpty else { return [] }
            let ids = String(decoding: try JSONEncoder().encode(nearest.map(\.id)), as: UTF8.self)
            var records: [String: PointRecord] = [:]
            for record in try PointRecord.fetchAll(db, sql: "SELECT * FROM point WHERE id IN (SELECT value FROM json_each(?))", arguments: [ids]) {
                records[record.id] = record
            }
            return nearest.compactMap { candidate in
                records[candidate.id].map { NearbyPoint(point: $0.point, distanceKm: candidate.distance) }
            }
        }
    }

    /// The county, township and network conditions shared by the list and `near`.
    private static func pointFilters(county: String?, township: String?, network: String?) throws -> ([String], StatementArguments) {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let county {
            guard AreaCode.isValid(county, level: .county) else {
                throw RegistryError(.invalid, "county must be a 6-digit code, not '\(TextExcerpt.printable(county, 20))'", field: "county")
            }
            // The county itself (a county-level point) and every code that extends it.
            conditions.append("areaCode BETWEEN ? AND ?")
            arguments += [county, county + "999999"]
        }
        if let township {
            guard AreaCode.isValid(township, level: .township) else {
                throw RegistryError(.invalid, "township must be a 9-digit code, not '\(TextExcerpt.printable(township, 20))'", field: "township")
            }
            conditions.append("areaCode BETWEEN ? AND ?")
            arguments += [township, township + "999"]
        }
        if let network {
            conditions.append("network = ?")
            arguments += [try PointRules.network(network).rawValue]
        }
        return (conditions, arguments)
    }

    private static func nearValue(_ value: Double, field: String, range: ClosedRange<Double>, what: String) throws -> Double {
        guard value.isFinite, range.contains(value) else {
            throw RegistryError(.invalid, "near needs a WGS-84 \(what) from \(Int(range.lowerBound)) to \(Int(range.upperBound))", field: field)
        }
        return value
    }
}
