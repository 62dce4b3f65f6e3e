import Foundation

/// The registry's CSV format (documented in docs/registry-csv.md): one row per area, the city and
/// counties first, each village row also describing its video room.
enum RegistryCSV {
    static let columns = ["level", "code", "name", "parent_code", "room_name", "latitude", "longitude", "synthetic", "equipment_note"]
    static let maximumNameLength = 100
    static let maximumNoteLength = 500

    /// One validated row.
    struct Row: Sendable {
        var line: Int
        var level: AreaLevel
        var code: String
        var name: String
        var parentCode: String?
        var synthetic: Bool
        /// Village rows only.
        var room: Room?
    }

    // MARK: - Reading

    /// Parses and checks every row on its own (format, code lengths, coordinates, duplicates,
    /// codes extending their parent). Relations to rows of the database are checked at import.
    static func parse(_ text: String) throws -> [Row] {
        var rows: [Row] = []
        var firstLineOf: [String: Int] = [:]
        try CSVTable.read(text, emptyMessage: "the file is empty; expected a header line: \(columns.joined(separator: ","))",
                          header: { try checkHeader($0, line: $1) }) { values, line in
            let row = try parseRow(values, line: line)
            if let earlier = firstLineOf[row.code] {
                throw RegistryError(.duplicate, "code \(row.code) is already defined on line \(earlier)", line: row.line, field: "code")
            }
            firstLineOf[row.code] = row.line
            rows.append(row)
        }
        return rows
    }

    private static func checkHeader(_ header: [String], line: Int) throws {
        var seen = Set<String>()
        for name in header {
            guard columns.contains(name) else {
                throw RegistryError(.invalid, "unknown column '\(name.prefix(40))'; the columns are \(columns.joined(separator: ","))",
                                    line: line, field: name.isEmpty ? "(empty)" : String(name.prefix(40)))
            }
            guard seen.insert(name).inserted else {
                throw RegistryError(.invalid, "column '\(name)' appears twice", line: line, field: name)
            }
        }
        for name in columns where !seen.contains(name) {
            throw RegistryError(.invalid, "missing column '\(name)'", line: line, field: name)
        }
    }

    private static func parseRow(_ values: [String: String], line: Int) throws -> Row {
        func value(_ field: String) -> String { values[field] ?? "" }
        func fail(_ field: String, _ message: String) -> RegistryError {
            RegistryError(.invalid, message, line: line, field: field)
        }

        guard let level = AreaLevel(rawValue: value("level")) else {
            throw fail("level", "'\(value("level").prefix(20))' is not a level (city, county, township or village)")
        }
        let code = value("code")
        guard AreaCode.isValid(code, level: level) else {
            throw fail("code", "a \(level.rawValue) code has \(level.codeLength) digits; '\(code.prefix(20))' does not")
        }
        let name = value("name")
        try checkText(name, field: "name", required: true, maximum: maximumNameLength, line: line)

        let parent = value("parent_code")
        var parentCode: String?
        if let parentLevel = level.parent {
            guard !parent.isEmpty else {
                throw fail("parent_code", "a \(level.rawValue) needs the code of its \(parentLevel.rawValue)")
            }
            guard AreaCode.isValid(parent, level: parentLevel) else {
                throw fail("parent_code", "the parent of a \(level.rawValue) is a \(parentLevel.rawValue) code of \(parentLevel.codeLength) digits; '\(parent.prefix(20))' is not")
            }
            guard AreaCode.extends(code, parent: parent, level: level) else {
                let n = AreaCode.sharedPrefixLength(child: level)
                throw fail("code", "\(level.rawValue) code \(code) does not extend its \(parentLevel.rawValue) code \(parent) (the first \(n) digits must match)")
            }
            parentCode = parent
        } else if !parent.isEmpty {
            throw fail("parent_code", "a city has no parent; leave parent_code empty")
        }

        let synthetic: Bool
        switch value("synthetic").lowercased() {
        case "true": synthetic = true
        case "false", "": synthetic = false
        default: throw fail("synthetic", "'\(value("synthetic").prefix(20))' is not true or false")
        }

        var room: Room?
        if level == .village {
            let roomName = value("room_name").isEmpty ? name : value("room_name")
            try checkText(roomName, field: "room_name", required: true, maximum: maximumNameLength, line: line)
            let latitude = try coordinate(value("latitude"), field: "latitude", range: -90...90, line: line)
            let longitude = try coordinate(value("longitude"), field: "longitude", range: -180...180, line: line)
            let note = value("equipment_note")
            try checkText(note, field: "equipment_note", required: false, maximum: maximumNoteLength, line: line, allowLineBreaks: true)
            room = Room(code: code, name: roomName, townshipCode: parent, latitude: latitude, longitude: longitude,
                        synthetic: synthetic, equipmentNote: note.isEmpty ? nil : note)
        } else {
            for field in ["room_name", "latitude", "longitude", "equipment_note"] where !value(field).isEmpty {
                throw fail(field, "only village rows describe a room; leave \(field) empty for a \(level.rawValue)")
            }
        }
        return Row(line: line, level: level, code: code, name: name, parentCode: parentCode, synthetic: synthetic, room: room)
    }

    private static func checkText(_ text: String, field: String, required: Bool, maximum: Int, line: Int,
                                  allowLineBreaks: Bool = false) throws {
        if required && text.isEmpty {
            throw RegistryError(.invalid, "\(field) is empty", line: line, field: field)
        }
        if text.count > maximum {
            throw RegistryError(.invalid, "\(field) is longer than \(maximum) characters", line: line, field: field)
        }
        // Names end up in one-line listings and logs; a note may span lines (quoted in CSV).
        let allowed: Set<Unicode.Scalar> = allowLineBreaks ? ["\r", "\n", "\t"] : []
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !allowed.contains($0) }) {
            throw RegistryError(.invalid, "\(field) contains control characters" + (allowLineBreaks ? "" : " (line breaks, tabs)"), line: line, field: field)
        }
    }

    private static func coordinate(_ text: String, field: String, range: ClosedRange<Double>, line: Int) throws -> Double {
        // Plain decimal numbers only: Double(_:) would also take "nan", "inf" and hex floats.
        let plain = !text.isEmpty && text.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+")
        }
        guard plain, let value = Double(text), value.isFinite else {
            throw RegistryError(.invalid, text.isEmpty ? "\(field) is required for a village room" : "'\(text.prefix(30))' is not a decimal \(field)",
                                line: line, field: field)
        }
        guard range.contains(value) else {
            throw RegistryError(.invalid, "\(field) \(text) is outside \(Int(range.lowerBound))…\(Int(range.upperBound))", line: line, field: field)
        }
        return value
    }

    // MARK: - Writing

    static func format(areas: [Area], rooms: [String: Room]) -> String {
        var writer = CSVWriter()
        writer.append(columns)
        // Codes extend their parent's digits, so code order is depth-first order: each county is
        // followed by its townships, each township by its villages.
        for area in areas.sorted(by: { $0.code < $1.code }) {
            let room = area.level == .village ? rooms[area.code] : nil
            writer.append([
                area.level.rawValue,
                area.code,
                area.name,
                area.parentCode ?? "",
                room?.name ?? "",
                room.map { formatCoordinate($0.latitude) } ?? "",
                room.map { formatCoordinate($0.longitude) } ?? "",
                area.synthetic ? "true" : "false",
                room?.equipmentNote ?? "",
            ])
        }
        return writer.text
    }

    /// Six decimals (about 0.1 m), fixed, so the same value always prints the same way.
    static func formatCoordinate(_ value: Double) -> String {
        String(format: "%.6f", value)
    }
}
