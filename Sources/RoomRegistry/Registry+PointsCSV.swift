import Foundation
import GRDB

extension Registry {
    /// Imports points from CSV (docs/registry-csv.md, "Points"), atomically: every row is applied,
    /// or, on the first bad row, none is, and the error names its line and column. New ids are
    /// added; existing ones updated. A row without `username` keeps the stored credentials; one
    /// with them replaces them (encrypted with `<data>/points.key`).
    @discardableResult
    public func importPointsCSV(_ text: String, at now: Date = Date()) async throws -> PointImportSummary {
        let rows = try PointCSV.parse(text)
        // Sealed before the write transaction: key file I/O and AES stay off the writer.
        var sealed: [Int: Data] = [:]
        if rows.contains(where: { $0.point.credentials != nil }) {
            let key = try pointKey.forWriting()
            for (index, row) in rows.enumerated() {
                if let credentials = row.point.credentials {
                    sealed[index] = try pointKey.seal(credentials, pointID: row.point.id, key: key)
                }
            }
        }
        let sealedCredentials = sealed
        return try await write { db in
            var levels: [String: AreaLevel] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT code, level FROM area") { levels[row[0]] = row[1] }
            var existing: [String: PointRecord] = [:]
            for record in try PointRecord.fetchAll(db) { existing[record.id] = record }

            var summary = PointImportSummary()
            var areas: [String: String] = [:]
            for (index, row) in rows.enumerated() {
                let point = row.point
                guard let level = levels[point.areaCode] else {
                    throw RegistryError(.invalid, "no area \(point.areaCode) in the registry", line: row.line, field: "area_code")
                }
                guard level != .city else {
                    throw RegistryError(.invalid, "a point belongs to a county, township or village, not to the city", line: row.line, field: "area_code")
                }
                let credentials = sealedCredentials[index]
                if credentials != nil { summary.credentialsStored += 1 }
                if let old = existing[point.id] {
                    let record = PointRecord(point, credentials: credentials ?? old.credentials, createdAt: old.createdAt, updatedAt: now)
                    if credentials != nil || !record.sameFields(as: old) {
                        try record.update(db)
                        summary.pointsUpdated += 1
                    } else {
                        summary.pointsUnchanged += 1
                    }
                } else {
                    try PointRecord(point, credentials: credentials, createdAt: now, updatedAt: now).insert(db)
                    summary.pointsAdded += 1
                }
                areas[point.id] = point.areaCode
            }
            return WriteOutcome(value: summary, points: .upsert(areas))
        }
    }

    /// Imports a points CSV file; see `importPointsCSV(_:)`.
    @discardableResult
    public func importPointsCSV(contentsOf url: URL, at now: Date = Date()) async throws -> PointImportSummary {
        try await importPointsCSV(try CSVTable.text(contentsOf: url), at: now)
    }

    /// Every point as CSV, in id order, without credentials (CRLF line ends). Exporting,
    /// importing into a registry with the same areas and exporting again gives identical bytes.
    public func exportPointsCSV() async throws -> String {
        PointCSV.format(try await allPoints())
    }

    /// Writes `exportPointsCSV()` to a file (replaced atomically). Returns how many points.
    @discardableResult
    public func exportPointsCSV(to url: URL) async throws -> Int {
        let points = try await allPoints()
        do {
            try Data(PointCSV.format(points).utf8).write(to: url, options: .atomic)
        } catch {
            throw RegistryError(.storage, "cannot write \(url.path): \(error.localizedDescription)")
        }
        return points.count
    }

    private func allPoints() async throws -> [Point] {
        try await read { db in try PointRecord.fetchAll(db, sql: "SELECT * FROM point ORDER BY id").map(\.point) }
    }

    /// Adds `count` synthetic points over the demo registry's townships and villages (see
    /// `DemoPoints`) if there are no points yet; returns how many were added (0 if there were
    /// points already). The demo areas must be registered.
    @discardableResult
    public func seedDemoPoints(count: Int, at now: Date = Date()) async throws -> Int {
        guard (0...DemoPoints.maximumCount).contains(count) else {
            throw RegistryError(.invalid, "the number of demo points must be from 0 to \(DemoPoints.maximumCount)", field: "points")
        }
        guard count > 0 else { return 0 }
        let points = DemoPoints.generate(count: count)
        return try await write { db in
            guard (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM point") ?? 0) == 0 else { return WriteOutcome(value: 0) }
            let known = Set(try String.fetchAll(db, sql: "SELECT code FROM area"))
            if let missing = points.first(where: { !known.contains($0.areaCode) }) {
                throw RegistryError(.conflict, "demo points go in the demo registry's areas, and area \(missing.areaCode) is not registered; "
                                    + "seed the demo registry into an empty data directory first")
            }
            var areas: [String: String] = [:]
            areas.reserveCapacity(points.count)
            for point in points {
                try PointRecord(point, credentials: nil, createdAt: now, updatedAt: now).insert(db)
                areas[point.id] = point.areaCode
            }
            return WriteOutcome(value: points.count, points: .upsert(areas))
        }
    }
}
