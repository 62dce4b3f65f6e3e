import Foundation

/// The village room codes of a registry CSV export (docs/registry-csv.md), in file order. Reads
/// only what the load generator needs — the `level` and `code` columns — but parses the whole
/// RFC 4180 syntax, since other columns may hold quoted commas and line breaks.
struct RoomExportReader {
    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    static func villageCodes(in text: String) throws -> [String] {
        let records = try records(text)
        guard let header = records.first else { throw ReadError(description: "the export is empty") }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let level = names.firstIndex(of: "level"), let code = names.firstIndex(of: "code") else {
            throw ReadError(description: "the export has no 'level' and 'code' columns")
        }
        return records.dropFirst().compactMap { record in
            guard record.count > max(level, code), record[level].trimmingCharacters(in: .whitespaces) == "village" else { return nil }
            return record[code].trimmingCharacters(in: .whitespaces)
        }
    }

    private static func records(_ text: String) throws -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var afterQuote = false
        var characters = text.unicodeScalars.makeIterator()
        var pending = characters.next()
        if pending == "\u{FEFF}" { pending = characters.next() }  // a spreadsheet's byte-order mark
        func endRecord() {
            record.append(field)
            field = ""
            if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
            record = []
        }
        while let scalar = pending {
            pending = characters.next()
            if quoted {
                if scalar == "\"" {
                    if pending == "\"" {
                        field.unicodeScalars.append("\"")
                        pending = characters.next()
                    } else {
                        quoted = false
                        afterQuote = true
                    }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.trimmingCharacters(in: .whitespaces).isEmpty && !afterQuote:
                field = ""
                quoted = true
            case ",":
                record.append(field)
                field = ""
                afterQuote = false
            case "\r", "\n":
                if scalar == "\r" && pending == "\n" { pending = characters.next() }
                endRecord()
                afterQuote = false
            default:
                guard !afterQuote || scalar == " " else {
                    throw ReadError(description: "text after a closing quote in record \(records.count + 1)")
                }
                field.unicodeScalars.append(scalar)
            }
        }
        guard !quoted else { throw ReadError(description: "a quoted field is never closed") }
        if !field.isEmpty || !record.isEmpty { endRecord() }
        return records
    }
}
