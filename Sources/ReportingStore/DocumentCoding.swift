import Foundation

/// How incident and session documents are written to and read from their JSON columns.
///
/// Dates keep Foundation's default encoding (seconds as a `Double`), which JSON carries exactly,
/// so a document read back equals the one written — restart must give back the very same state.
enum DocumentCoding {
    static func encode<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from text: String, what: String) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw ReportingStoreError(.invalid, "stored \(what) cannot be read: \(error)")
        }
    }
}
