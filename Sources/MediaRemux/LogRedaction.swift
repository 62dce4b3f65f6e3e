import Synchronization

/// Keeps camera credentials out of the log. libavformat's own lines can name the URL it was given
/// (`rtsp://user:password@host/...`) and, at its debug level, the RTSP requests it sends, with an
/// `Authorization` header; FFmpeg's log is process-wide, so the bridge (`FFmpegLog`) passes every
/// line through here: URL user information and `Authorization` values are masked, and so is any
/// secret a live source registered (its password as given, percent-encoded and in the Basic
/// header's Base64), wherever it shows.
public enum LogRedaction {
    public static let mask = "***"
    private static let registered = Mutex<[UInt64: [String]]>([:])
    private static let nextID = Atomic<UInt64>(1)

    /// Registers secrets to mask in every bridged line until `unregister` with the returned id.
    public static func register(_ secrets: [String]) -> UInt64 {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        let kept = secrets.filter { !$0.isEmpty }
        registered.withLock { $0[id] = kept }
        return id
    }

    public static func unregister(_ id: UInt64) {
        registered.withLock { $0[id] = nil }
    }

    /// `line` with the registered secrets masked as well.
    static func redactRegistered(_ line: String) -> String {
        let secrets = registered.withLock { Array($0.values.joined()) }
        return redact(line, secrets: secrets)
    }

    /// `line` with URL user information (`scheme://user:pass@` → `scheme://***@`), the value of an
    /// `Authorization:` header up to the end of its line, and each of `secrets` masked.
    public static func redact(_ line: String, secrets: [String] = []) -> String {
        var bytes = Array(line.utf8)
        bytes = maskUserInformation(bytes)
        bytes = maskAuthorization(bytes)
        // Longest first, so a secret that contains another is masked whole.
        for secret in secrets.sorted(by: { $0.utf8.count > $1.utf8.count }) where !secret.isEmpty {
            bytes = replace(Array(secret.utf8), in: bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let authorityEnd: Set<UInt8> = Set("/?# \t\r\n\"'<>".utf8)

    private static func maskUserInformation(_ bytes: [UInt8]) -> [UInt8] {
        let separator = Array("://".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if index + 3 <= bytes.count, bytes[index..<(index + 3)].elementsEqual(separator) {
                out += separator
                index += 3
                var end = index
                while end < bytes.count, !authorityEnd.contains(bytes[end]) { end += 1 }
                if let at = bytes[index..<end].lastIndex(of: UInt8(ascii: "@")) {
                    out += Array(mask.utf8)
                    index = at
                }
                continue
            }
            out.append(bytes[index])
            index += 1
        }
        return out
    }

    private static func maskAuthorization(_ bytes: [UInt8]) -> [UInt8] {
        let header = Array("authorization:".utf8)
        let lowered = bytes.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if index + header.count <= bytes.count, lowered[index..<(index + header.count)].elementsEqual(header) {
                out += bytes[index..<(index + header.count)]
                out += Array(" \(mask)".utf8)
                index += header.count
                while index < bytes.count, bytes[index] != UInt8(ascii: "\r"), bytes[index] != UInt8(ascii: "\n") { index += 1 }
                continue
            }
            out.append(bytes[index])
            index += 1
        }
        return out
    }

    private static func replace(_ needle: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        guard !needle.isEmpty, bytes.count >= needle.count else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if index + needle.count <= bytes.count, bytes[index..<(index + needle.count)].elementsEqual(needle) {
                out += Array(mask.utf8)
                index += needle.count
                continue
            }
            out.append(bytes[index])
            index += 1
        }
        return out
    }
}
