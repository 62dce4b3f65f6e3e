/// Device ids appear raw in SRT stream ids and URLs (`cam/<id>`), so they are restricted to
/// `^[A-Za-z0-9_-]{1,64}$`: no `/`, `,` or `=` that would break path or stream-id parsing.
enum DeviceIdentifier {
    static func isValid(_ id: String) -> Bool {
        let bytes = id.utf8
        guard (1...64).contains(bytes.count) else { return false }
        return bytes.allSatisfy { isAllowed($0) }
    }

    static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    static func rule(for id: String) -> String {
        "device id '\(id.prefix(80))' is invalid: use 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-' (no '/')"
    }
}
