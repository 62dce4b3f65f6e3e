/// A parsed SRT stream id (the SRT access-control specification, `srt/access_control.h`).
///
/// Accepted forms:
/// - `#!::r=<resource>,m=publish|request[,u=<user>][,...]` — keys in any order; a missing `m`
///   means `request`, as the specification says;
/// - `publish:<resource>` and `read:<resource>`;
/// - a bare `<resource>`, meaning publish (many field devices cannot send more than a path);
/// - any of those percent-encoded as a whole (Debian's ffmpeg passes `streamid` raw, other clients
///   encode it).
public struct StreamID: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable {
        case publish
        case request
    }

    public var resource: String
    public var mode: Mode
    public var user: String?

    public init(resource: String, mode: Mode, user: String? = nil) {
        self.resource = resource
        self.mode = mode
        self.user = user
    }

    /// libsrt refuses stream ids longer than this before the listen callback sees them.
    public static let maximumLength = 512

    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        /// Syntax: maps to 1400 (SRT_REJX_BAD_REQUEST).
        case malformed(String)
        /// An `m=` the gateway does not serve: maps to 1405 (SRT_REJX_BAD_MODE).
        case unsupportedMode(String)

        public var description: String {
            switch self {
            case .malformed(let why): return "malformed stream id: \(why)"
            case .unsupportedMode(let mode): return "unsupported mode m=\(mode)"
            }
        }
    }

    public static func parse(_ raw: String) throws(ParseError) -> StreamID {
        guard !raw.isEmpty else { throw .malformed("empty") }
        guard raw.utf8.count <= maximumLength else { throw .malformed("longer than \(maximumLength) bytes") }
        var text = raw
        if raw.utf8.contains(UInt8(ascii: "%")) {
            guard let decoded = percentDecode(raw) else { throw .malformed("bad percent-encoding") }
            text = decoded
        }
        guard text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) else {
            throw .malformed("control or non-ASCII characters")
        }
        if text.hasPrefix("#!::") {
            return try parseKeyed(text.dropFirst(4))
        }
        if text.hasPrefix("publish:") {
            return try simple(text.dropFirst(8), .publish)
        }
        if text.hasPrefix("read:") {
            return try simple(text.dropFirst(5), .request)
        }
        if text.hasPrefix("#!") {
            throw .malformed("unknown '#!' syntax (expected '#!::')")
        }
        return try simple(Substring(text), .publish)
    }

    private static func simple(_ resource: Substring, _ mode: Mode) throws(ParseError) -> StreamID {
        guard !resource.isEmpty else { throw .malformed("empty resource") }
        return StreamID(resource: String(resource), mode: mode)
    }

    private static func parseKeyed(_ body: Substring) throws(ParseError) -> StreamID {
        var resource: String?
        var mode: Mode = .request
        var user: String?
        var seen = Set<Substring>()
        for item in body.split(separator: ",", omittingEmptySubsequences: false) {
            guard let eq = item.firstIndex(of: "=") else { throw .malformed("'\(item)' is not key=value") }
            let key = item[..<eq]
            let value = item[item.index(after: eq)...]
            guard !key.isEmpty else { throw .malformed("empty key") }
            guard seen.insert(key).inserted else { throw .malformed("key '\(key)' repeated") }
            switch key {
            case "r":
                guard !value.isEmpty else { throw .malformed("empty r=") }
                resource = String(value)
            case "m":
                switch value {
                case "publish": mode = .publish
                case "request": mode = .request
                default: throw .unsupportedMode(String(value))
                }
            case "u":
                user = value.isEmpty ? nil : String(value)
            case "t":
                // Only live streams are served; `t=file` and the rest are not this gateway's business.
                guard value == "stream" else { throw .unsupportedMode("t=\(value)") }
            default:
                // Keys such as s= (session) and h= (host) carry nothing FieldRelay needs; the
                // specification lets a service ignore keys it does not use.
                continue
            }
        }
        guard let resource else { throw .malformed("no r= resource") }
        return StreamID(resource: resource, mode: mode, user: user)
    }

    /// Percent-decodes `text` as `parse` does before it reads a stream id; nil for a bad escape or
    /// bytes that are not UTF-8. Public only so that the `streamid` fuzzer (Tests/Fuzz, a package of
    /// its own) can call it directly, on inputs `parse` refuses before decoding.
    public static func percentDecode(_ text: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
