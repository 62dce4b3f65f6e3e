import Foundation

/// A small RFC 4180 CSV writer: CRLF line ends (§2.1); a field is quoted only when it contains a
/// comma, quote, CR or LF, and inner quotes are doubled (§2.6–2.7). Output is deterministic, so an
/// export of the same data is byte-identical.
struct CSVWriter {
    private(set) var text = ""

    mutating func append(_ fields: [String]) {
        var first = true
        for field in fields {
            if !first { text += "," }
            first = false
            text += Self.escape(field)
        }
        text += "\r\n"
    }

    static func escape(_ field: String) -> String {
        let needsQuotes = field.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
