/// A small RFC 4180 CSV reader.
///
/// Records end with CRLF (RFC 4180 §2.1), and also with a bare LF or CR, since hand-edited files
/// use them. Fields are separated by commas; a field that starts with `"` is quoted and may then
/// contain commas, CR, LF, and `""` for a quote (§2.5–2.7). A quote inside an unquoted field, text
/// after a closing quote, or an unterminated quote is refused with the line it is on. Blank lines
/// are skipped. A UTF-8 byte-order mark (spreadsheet exports) is ignored.
struct CSVReader {
    struct Record: Equatable {
        /// 1-based line on which the record starts (records may span lines).
        var line: Int
        var fields: [String]
    }

    struct Failure: Error, Equatable {
        var line: Int
        /// 1-based column of the offending field.
        var column: Int
        var message: String
    }

    private let bytes: [UInt8]
    private var index: Int
    private var line = 1

    init(_ text: String) {
        bytes = Array(text.utf8)
        // Skip a UTF-8 BOM.
        index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// The next non-blank record, or nil at the end.
    mutating func next() throws(Failure) -> Record? {
        while index < bytes.count {
            let start = line
            let fields = try readRecord()
            if fields.count == 1 && fields[0].isEmpty { continue }   // blank line
            return Record(line: start, fields: fields)
        }
        return nil
    }

    /// All records (for tests and small files).
    static func records(_ text: String) throws(Failure) -> [Record] {
        var reader = CSVReader(text)
        var result: [Record] = []
        while let record = try reader.next() { result.append(record) }
        return result
    }

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    private mutating func readRecord() throws(Failure) -> [String] {
        var fields: [String] = []
        var field: [UInt8] = []
        var quotedField = false     // the current field was quoted and its closing quote seen
        func finish() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            quotedField = false
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case Self.comma:
                index += 1
                finish()
            case Self.cr, Self.lf:
                index += 1
                if byte == Self.cr, index < bytes.count, bytes[index] == Self.lf { index += 1 }
                line += 1
                finish()
                return fields
            case Self.quote:
                guard field.isEmpty, !quotedField else {
                    throw Failure(line: line, column: fields.count + 1,
                                  message: quotedField ? "unexpected quote after a closing quote"
                                      : "quote inside an unquoted field (quote the whole field and double inner quotes)")
                }
                try readQuoted(into: &field, column: fields.count + 1)
                quotedField = true
            default:
                if quotedField {
                    throw Failure(line: line, column: fields.count + 1, message: "text after the closing quote of a quoted field")
                }
                field.append(byte)
                index += 1
            }
        }
        finish()
        return fields
    }

    /// Reads a quoted field's content; `index` is on the opening quote.
    private mutating func readQuoted(into field: inout [UInt8], column: Int) throws(Failure) {
        let openedOn = line
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == Self.quote {
                if index + 1 < bytes.count, bytes[index + 1] == Self.quote {
                    field.append(Self.quote)
                    index += 2
                    continue
                }
                index += 1
                return
            }
            // Count a CRLF inside a quoted field as one line break, like outside.
            if byte == Self.lf || (byte == Self.cr && !(index + 1 < bytes.count && bytes[index + 1] == Self.lf)) {
                line += 1
            }
            field.append(byte)
            index += 1
        }
        throw Failure(line: openedOn, column: column, message: "quoted field is never closed")
    }
}
