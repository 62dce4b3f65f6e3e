/// The syntax of the identifiers that make paths: each rule is written here once, and every entry
/// point (SRT stream ids, HLS URLs, REST bodies, session feeds, the CLI, the registry) asks it.
/// Identifiers travel raw inside SRT stream ids (`#!::r=<path>,m=publish`), URL paths and the audit
/// record, so every rule keeps to characters that need no escaping anywhere and can never form
/// `..`, `/`, `,` or `=`.
public enum IdentifierRule: Sendable, CaseIterable {
    /// A village code: exactly 12 digits (`520602001201`).
    case villageCode
    /// A device id: 1-64 of `A-Z a-z 0-9 _ -` (`bc-520602001`). No `.`: a device id is a file-name
    /// part of recordings and exports too.
    case deviceID
    /// An organisation id: a 6-digit (city, county) or 9-digit (township) area code, optionally
    /// followed by `-` and a 1-48 character lowercase department suffix (`520600-water`).
    case organisationID
    /// A lab name: 1-64 of `A-Z a-z 0-9 _ - .`, not starting with `.` (as lab paths always were).
    case labName
    /// A surveillance point id: 6-64 of `A-Z a-z 0-9 _ -`. A 20-digit GB/T 28181-style id
    /// (`52060200001320000001`) is the common case, but its digits mean nothing to the gateway:
    /// a point's jurisdiction comes from its registered area code, never from its id.
    case pointID

    public static let maximumLength = 64

    /// Whether `id` follows the rule.
    public func accepts(_ id: String) -> Bool {
        (try? check(id)) != nil
    }

    /// Throws `.malformed` with a message that says the rule.
    public func check(_ id: String) throws(PathRulesError) {
        let shown = Self.printable(id)
        switch self {
        case .villageCode:
            guard id.utf8.count == 12, id.utf8.allSatisfy(Self.isDigit) else {
                throw PathRulesError(.malformed, "a village code is 12 digits, not '\(shown)'")
            }
        case .deviceID:
            guard (1...Self.maximumLength).contains(id.utf8.count), id.utf8.allSatisfy(Self.isNameByte) else {
                throw PathRulesError(.malformed, "a device id is 1 to \(Self.maximumLength) characters of A-Z, a-z, 0-9, '_' or '-', not '\(shown)'")
            }
        case .pointID:
            guard (6...Self.maximumLength).contains(id.utf8.count), id.utf8.allSatisfy(Self.isNameByte) else {
                throw PathRulesError(.malformed, "a point id is 6 to \(Self.maximumLength) characters of A-Z, a-z, 0-9, '_' or '-', not '\(shown)'")
            }
        case .labName:
            guard (1...Self.maximumLength).contains(id.utf8.count), id.utf8.first != UInt8(ascii: "."),
                  id.utf8.allSatisfy({ Self.isNameByte($0) || $0 == UInt8(ascii: ".") }) else {
                throw PathRulesError(.malformed, "a lab name is 1 to \(Self.maximumLength) characters of A-Z, a-z, 0-9, '_', '-' or '.', not starting with '.', not '\(shown)'")
            }
        case .organisationID:
            let parts = id.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            let head = parts.first.map { $0.utf8 }
            var valid = head.map { [6, 9].contains($0.count) && $0.allSatisfy(Self.isDigit) } ?? false
            if valid, parts.count == 2 {
                let suffix = parts[1].utf8
                valid = (1...48).contains(suffix.count) && suffix.allSatisfy { Self.isLowercaseLetter($0) || Self.isDigit($0) || $0 == UInt8(ascii: "-") }
            }
            guard valid else {
                throw PathRulesError(.malformed, "an organisation id is a 6- or 9-digit area code, optionally with '-' and a lowercase department name, not '\(shown)'")
            }
        }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    static func isLowercaseLetter(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// At most 64 characters of the text, control characters shown as '?', for messages and logs.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(64).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
    }
}
