import Foundation

/// A registry CSV file read row by row as `column → value`, with the registry's errors: the first
/// record is the header (names trimmed), which `header` checks; every later record must have as
/// many fields; values are trimmed of spaces and line breaks (except in the `untrimmed` columns);
/// malformed CSV is reported with its line and the column's name. Areas and rooms
/// (`RegistryCSV`) and points (`PointCSV`) share it.
enum CSVTable {
    static func read(_ text: String, emptyMessage: String, untrimmed: Set<String> = [],
                     header checkHeader: ([String], Int) throws -> Void,
                     row: ([String: String], Int) throws -> Void) throws {
        var reader = CSVReader(text)
        var header: [String] = []
        do {
            guard let first = try reader.next() else {
                throw RegistryError(.invalid, emptyMessage, line: 1)
            }
            header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            try checkHeader(header, first.line)
            while let record = try reader.next() {
                guard record.fields.count == header.count else {
                    let field = record.fields.count < header.count ? header[record.fields.count] : "column \(header.count + 1)"
                    throw RegistryError(.invalid, "expected \(header.count) fields, found \(record.fields.count)",
                                        line: record.line, field: field)
                }
                var values: [String: String] = [:]
                for (name, value) in zip(header, record.fields) {
                    values[name] = untrimmed.contains(name) ? value : value.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                try row(values, record.line)
            }
        } catch let failure as CSVReader.Failure {
            let field = failure.column <= header.count ? header[failure.column - 1] : "column \(failure.column)"
            throw RegistryError(.invalid, "malformed CSV: \(failure.message)", line: failure.line, field: field)
        }
    }

    /// A CSV file's text, for the `importCSV(contentsOf:)` family.
    static func text(contentsOf url: URL) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw RegistryError(.notFound, "cannot read \(url.path): \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RegistryError(.invalid, "\(url.lastPathComponent) is not UTF-8 text")
        }
        return text
    }
}
