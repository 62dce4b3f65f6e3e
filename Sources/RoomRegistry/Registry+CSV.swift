import Foundation
import GRDB

extension Registry {
    /// Imports areas and rooms from registry CSV (see docs/registry-csv.md), atomically: either
    /// every row is applied or, on the first bad row, nothing is, and the error names its line and
    /// field. New areas and rooms are added; existing ones (same code and level) are updated.
    /// Each new county or township gets its command centre organisation; each new room and
    /// organisation gets a fresh key. Devices are not part of the file.
    @discardableResult
    public func importCSV(_ text: String, at now: Date = Date()) async throws -> ImportSummary {
        let rows = try RegistryCSV.parse(text)
        return try await write { db in
            let summary = try Self.apply(rows, db, at: now)
            return WriteOutcome(value: summary, admission: .replaceAll(try AdmissionIndex.loadAll(db)), tree: try AreaTree.load(db))
        }
    }

    /// Imports a CSV file; see `importCSV(_:)`.
    @discardableResult
    public func importCSV(contentsOf url: URL, at now: Date = Date()) async throws -> ImportSummary {
        try await importCSV(try CSVTable.text(contentsOf: url), at: now)
    }

    /// Exports every area and room as registry CSV (CRLF line ends, rows in code order).
    /// Exporting, importing into an empty registry and exporting again gives identical bytes.
    public func exportCSV() async throws -> String {
        try await read { db in
            let areas = try AreaRecord.fetchAll(db).map(\.area)
            var rooms: [String: Room] = [:]
            for record in try RoomRecord.fetchAll(db) { rooms[record.code] = record.room }
            return RegistryCSV.format(areas: areas, rooms: rooms)
        }
    }

    /// Writes `exportCSV()` to a file (replaced atomically).
    public func exportCSV(to url: URL) async throws {
        let text = try await exportCSV()
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw RegistryError(.storage, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    private static func apply(_ rows: [RegistryCSV.Row], _ db: Database, at now: Date) throws -> ImportSummary {
        var existing: [String: AreaRecord] = [:]
        for area in try AreaRecord.fetchAll(db) { existing[area.code] = area }
        var inFile: [String: RegistryCSV.Row] = [:]
        for row in rows { inFile[row.code] = row }

        // Relations, in line order so the first bad line is the one reported.
        for row in rows {
            if let old = existing[row.code], old.level != row.level {
                throw RegistryError(.conflict, "code \(row.code) is already registered as a \(old.level.rawValue), not a \(row.level.rawValue)",
                                    line: row.line, field: "level")
            }
            guard let parentCode = row.parentCode, let parentLevel = row.level.parent else { continue }
            let parentKnownLevel = inFile[parentCode]?.level ?? existing[parentCode]?.level
            guard let parentKnownLevel else {
                throw RegistryError(.invalid, "parent \(parentLevel.rawValue) \(parentCode) is neither in the file nor in the registry",
                                    line: row.line, field: "parent_code")
            }
            guard parentKnownLevel == parentLevel else {
                throw RegistryError(.invalid, "parent \(parentCode) is a \(parentKnownLevel.rawValue), not a \(parentLevel.rawValue)",
                                    line: row.line, field: "parent_code")
            }
        }

        var summary = ImportSummary()
        let organisationIDs = Set(try String.fetchAll(db, sql: "SELECT id FROM organisation"))
        for row in rows.sorted(by: { ($0.level, $0.code) < ($1.level, $1.code) }) {
            let area = Area(code: row.code, name: row.name, level: row.level, parentCode: row.parentCode, synthetic: row.synthetic)
            if let old = existing[row.code] {
                if old.area != area {
                    try AreaRecord(area).update(db)
                    summary.areasUpdated += 1
                }
            } else {
                try AreaRecord(area).insert(db)
                summary.areasAdded += 1
            }

            if let room = row.room {
                if let old = try RoomRecord.fetchOne(db, key: room.code) {
                    if old.room != room {
                        try RoomRecord(room).update(db)
                        summary.roomsUpdated += 1
                    }
                } else {
                    try RoomRecord(room).insert(db)
                    try SRTKeyRecord.issue(db, path: room.sourcePath, at: now)
                    summary.roomsAdded += 1
                    summary.keysCreated += 1
                }
            }

            // Every city, county and township has a command hall that can publish its camera.
            let orgLevel: OrganisationLevel? = switch row.level {
            case .city: .city
            case .county: .county
            case .township: .township
            case .village: nil
            }
            if let orgLevel, !organisationIDs.contains(row.code) {
                try OrganisationRecord(Organisation(id: row.code, name: DemoRegistry.hallName(row.name), level: orgLevel,
                                                    areaCode: row.code, synthetic: row.synthetic)).insert(db)
                try SRTKeyRecord.issue(db, path: "hall/\(row.code)", at: now)
                summary.organisationsAdded += 1
                summary.keysCreated += 1
            }
        }
        return summary
    }
}
