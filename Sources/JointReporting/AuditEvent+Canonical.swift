import Foundation

/// The canonical byte encoding of an audit event, the input of its MAC.
///
/// Stable by construction: a length-prefixed binary form with no whitespace, number formatting or
/// escaping choices to drift between platforms or library versions. Version 1 is:
///
/// ```
/// event    = "FRA1"                    ; 4 ASCII bytes: format and version
///            int64(seq)
///            int64(at)                 ; milliseconds since 1970-01-01T00:00:00Z, rounded to nearest
///            string(actor)
///            optional(sessionId)
///            optional(incidentId)
///            string(kind)
///            value(object(detail))
/// int64    = 8 bytes, two's complement, big-endian
/// string   = uint32(byte count) + UTF-8 bytes      ; bytes as given, no Unicode normalisation
/// optional = 0x00 (absent) | 0x01 + string
/// value    = "n"                                   ; null
///          | "t" | "f"                             ; true, false
///          | "i" + int64
///          | "s" + string
///          | "a" + uint32(count) + value*
///          | "o" + uint32(count) + (string(key) + value)*   ; keys sorted by their UTF-8 bytes
/// uint32   = 4 bytes, big-endian
/// ```
///
/// `prevMAC` and `mac` are not part of it: the MAC input is `canonicalBytes ‖ prevMAC`.
extension AuditEvent {
    public static let canonicalFormat: [UInt8] = Array("FRA1".utf8)

    public var canonicalBytes: [UInt8] {
        var out = Self.canonicalFormat
        out.reserveCapacity(256)
        Self.appendInt64(Int64(seq), to: &out)
        Self.appendInt64(atMilliseconds, to: &out)
        Self.appendString(actor, to: &out)
        Self.appendOptional(sessionId, to: &out)
        Self.appendOptional(incidentId, to: &out)
        Self.appendString(kind.rawValue, to: &out)
        Self.appendValue(.object(detail), to: &out)
        return out
    }

    private static func appendInt64(_ value: Int64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    private static func appendUInt32(_ value: Int, to out: inout [UInt8]) {
        // Counts beyond 4 GiB cannot occur for a record entry; clamp rather than trap.
        let clamped = UInt32(clamping: value)
        withUnsafeBytes(of: clamped.bigEndian) { out.append(contentsOf: $0) }
    }

    private static func appendString(_ value: String, to out: inout [UInt8]) {
        let bytes = Array(value.utf8)
        appendUInt32(bytes.count, to: &out)
        out.append(contentsOf: bytes)
    }

    private static func appendOptional(_ value: String?, to out: inout [UInt8]) {
        if let value {
            out.append(0x01)
            appendString(value, to: &out)
        } else {
            out.append(0x00)
        }
    }

    private static func appendValue(_ value: AuditValue, to out: inout [UInt8]) {
        switch value {
        case .null:
            out.append(UInt8(ascii: "n"))
        case .bool(let flag):
            out.append(UInt8(ascii: flag ? "t" : "f"))
        case .int(let number):
            out.append(UInt8(ascii: "i"))
            appendInt64(number, to: &out)
        case .string(let text):
            out.append(UInt8(ascii: "s"))
            appendString(text, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "a"))
            appendUInt32(items.count, to: &out)
            for item in items { appendValue(item, to: &out) }
        case .object(let members):
            out.append(UInt8(ascii: "o"))
            appendUInt32(members.count, to: &out)
            // Byte order, not String's `<`, so any implementation can reproduce it.
            let sorted = members.map { (Array($0.key.utf8), $0.value) }
                .sorted { $0.0.lexicographicallyPrecedes($1.0) }
            for (key, member) in sorted {
                appendUInt32(key.count, to: &out)
                out.append(contentsOf: key)
                appendValue(member, to: &out)
            }
        }
    }
}
