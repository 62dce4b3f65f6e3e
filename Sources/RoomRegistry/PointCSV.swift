import Foundation

/// The points' CSV format (docs/registry-csv.md, "Points"): one row per point. Export writes
/// `exportColumns`, never a username or password; import reads those (some optional) and may
/// carry `username` and `password`, which are encrypted on the way in.
enum PointCSV {
    static let exportColumns = ["id", "name", "network", "area_code", "latitude", "longitude", "source_kind", "url", "transport", "enabled", "synthetic"]
    static let requiredColumns: Set<String> = ["id", "name", "network", "area_code", "latitude", "longitude", "url"]
    static let importColumns = exportColumns + ["username", "password"]

    /// The registry's field names (as the REST body spells them) as this file's columns.
    static let columnOfField: [String: String] = [
        "id": "id", "name": "name", "network": "network", "areaCode": "area_code", "latitude": "latitude", "longitude": "longitude",
        "source.kind": "source_kind", "source.url": "url", "source.transport": "transport",
        "source.username": "username", "source.password": "password",
    ]

    struct Row: Sendable {
        var line: Int
        var point: ValidPoint
    }

    // MARK: - Reading

    /// Parses and checks every row on its own (format, each field, ids twice in the file). Areas
    /// are checked against the database at import.
    static func parse(_ text: String) throws -> [Row] {
        var rows: [Row] = []
        var firstLineOf: [String: Int] = [:]
        // Passwords are taken as written: spaces may be part of one.
        try CSVTable.read(text, emptyMessage: "the file is empty; expected a header line: \(exportColumns.joined(separator: ","))",
                          untrimmed: ["password"], header: { try checkHeader($0, line: $1) }) { values, line in
            let row = try parseRow(values, line: line)
            if let earlier = firstLineOf[row.point.id] {
                throw RegistryError(.duplicate, "point \(row.point.id) is already defined on line \(earlier)", line: row.line, field: "id")
            }
            firstLineOf[row.point.id] = row.line
            rows.append(row)
        }
        return rows
    }

    private static func checkHeader(_ header: [String], line: Int) throws {
        var seen = Set<String>()
        for name in header {
            guard importColumns.contains(name) else {
                throw RegistryError(.invalid, "unknown column '\(name.prefix(40))'; the columns are \(importColumns.joined(separator: ","))",
                                    line: line, field: name.isEmpty ? "(empty)" : String(name.prefix(40)))
            }
            guard seen.insert(name).inserted else {
                throw RegistryError(.invalid, "column '\(name)' appears twice", line: line, field: name)
            }
        }
        for name in exportColumns where requiredColumns.contains(name) && !seen.contains(name) {
            throw RegistryError(.invalid, "missing column '\(name)'", line: line, field: name)
        }
    }

    private static func parseRow(_ values: [String: String], line: Int) throws -> Row {
        func value(_ column: String) -> String { values[column] ?? "" }
        func fail(_ column: String, _ message: String) -> RegistryError {
            RegistryError(.invalid, message, line: line, field: column)
        }
        let username = value("username"), password = value("password")
        if username.isEmpty && !password.isEmpty {
            throw fail("username", "a password needs its username")
        }
        let draft = PointDraft(
            id: value("id"), name: value("name"), network: value("network"), areaCode: value("area_code"),
            latitude: try coordinate(value("latitude"), column: "latitude", line: line),
            longitude: try coordinate(value("longitude"), column: "longitude", line: line),
            sourceKind: value("source_kind"), url: value("url"), transport: value("transport"),
            credentials: username.isEmpty ? nil : PointCredentials(username: username, password: password),
            enabled: try flag(value("enabled"), column: "enabled", default: true, line: line),
            synthetic: try flag(value("synthetic"), column: "synthetic", default: false, line: line))
        do {
            return Row(line: line, point: try draft.validated())
        } catch let error as RegistryError {
            let column = error.field.flatMap { columnOfField[$0] } ?? error.field
            throw RegistryError(error.code, error.message, line: line, field: column)
        }
    }

    private static func flag(_ text: String, column: String, default value: Bool, line: Int) throws -> Bool {
        switch text.lowercased() {
        case "": return value
        case "true": return true
        case "false": return false
        default: throw RegistryError(.invalid, "'\(TextExcerpt.printable(text, 20))' is not true or false", line: line, field: column)
        }
    }

    /// Plain decimal numbers only: `Double(_:)` would also take `nan`, `inf` and hex floats.
    private static func coordinate(_ text: String, column: String, line: Int) throws -> Double {
        let plain = !text.isEmpty && text.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+")
        }
        guard plain, let value = Double(text), value.isFinite else {
            throw RegistryError(.invalid, text.isEmpty ? "\(column) is required (WGS-84 decimal degrees)" : "'\(TextExcerpt.printable(text, 30))' is not a decimal \(column)",
                                line: line, field: column)
        }
        return value
    }

    // MARK: - Writing

    /// Every point in id order, credentials left out (the file never carries them; a re-import
    /// without `username`/`password` keeps the stored ones).
    static func format(_ points: [Point]) -> String {
        var writer = CSVWriter()
        writer.append(exportColumns)
        for point in points.sorted(by: { $0.id < $1.id }) {
            writer.append([
                point.id, point.name, point.network.rawValue, point.areaCode,
                RegistryCSV.formatCoordinate(point.latitude), RegistryCSV.formatCoordinate(point.longitude),
                point.source.kind.rawValue, point.source.url, point.source.transport.rawValue,
                point.enabled ? "true" : "false", point.synthetic ? "true" : "false",
            ])
        }
        return writer.text
    }
}
