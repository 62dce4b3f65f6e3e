import Foundation

/// A parsed Low-Latency media playlist: segments with their parts, the preload hint, the map.
public struct LowLatencyParsedPlaylist: Sendable {
    public struct Part: Sendable {
        public var uri: String
        public var duration: Double
        public var independent: Bool
    }

    public struct Segment: Sendable {
        public var sequence: Int
        public var uri: String?
        public var duration: Double
        public var programDateTime: Date?
        public var map: String?
        public var parts: [Part]
    }

    public var version: Int?
    public var targetDuration: Int?
    public var partTarget: Double?
    public var partHoldBack: Double?
    public var canSkipUntil: Double?
    public var mediaSequence = 0
    public var skipped = 0
    public var segments: [Segment] = []
    public var preloadHint: String?

    public init(_ text: String) {
        var map: String?
        var date: Date?
        var parts: [Part] = []
        var duration: Double?
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        func attribute(_ line: String, _ name: String) -> String? {
            guard let range = line.range(of: name + "=") else { return nil }
            var value = line[range.upperBound...]
            if value.hasPrefix("\"") {
                value = value.dropFirst()
                return String(value.prefix { $0 != "\"" })
            }
            return String(value.prefix { $0 != "," })
        }
        for raw in text.split(separator: "\n") {
            let line = String(raw)
            if line.hasPrefix("#EXT-X-VERSION:") { version = Int(line.dropFirst(15)) }
            else if line.hasPrefix("#EXT-X-TARGETDURATION:") { targetDuration = Int(line.dropFirst(22)) }
            else if line.hasPrefix("#EXT-X-PART-INF:") { partTarget = attribute(line, "PART-TARGET").flatMap(Double.init) }
            else if line.hasPrefix("#EXT-X-SERVER-CONTROL:") {
                partHoldBack = attribute(line, "PART-HOLD-BACK").flatMap(Double.init)
                canSkipUntil = attribute(line, "CAN-SKIP-UNTIL").flatMap(Double.init)
            }
            else if line.hasPrefix("#EXT-X-MEDIA-SEQUENCE:") { mediaSequence = Int(line.dropFirst(22)) ?? 0 }
            else if line.hasPrefix("#EXT-X-SKIP:") { skipped = attribute(line, "SKIPPED-SEGMENTS").flatMap(Int.init) ?? 0 }
            else if line.hasPrefix("#EXT-X-MAP:") { map = attribute(line, "URI") }
            else if line.hasPrefix("#EXT-X-PROGRAM-DATE-TIME:") { date = formatter.date(from: String(line.dropFirst(25))) }
            else if line.hasPrefix("#EXT-X-PART:") {
                parts.append(Part(uri: attribute(line, "URI") ?? "", duration: attribute(line, "DURATION").flatMap(Double.init) ?? 0,
                                  independent: line.contains("INDEPENDENT=YES")))
            }
            else if line.hasPrefix("#EXT-X-PRELOAD-HINT:") { preloadHint = attribute(line, "URI") }
            else if line.hasPrefix("#EXTINF:") { duration = Double(line.dropFirst(8).split(separator: ",").first ?? "") }
            else if !line.hasPrefix("#") {
                segments.append(Segment(sequence: mediaSequence + skipped + segments.count, uri: line, duration: duration ?? 0,
                                        programDateTime: date, map: map, parts: parts))
                parts = []
                duration = nil
            }
        }
        if !parts.isEmpty {
            // The segment still being written: parts only.
            segments.append(Segment(sequence: mediaSequence + skipped + segments.count, uri: nil,
                                    duration: parts.reduce(0) { $0 + $1.duration }, programDateTime: date, map: map, parts: parts))
        }
    }

    /// (sequence, part index) named by a part URI `<instance>-<msn>.<part>.m4s`.
    public static func position(of uri: String) -> (Int, Int)? {
        let name = uri.split(separator: "?").first.map(String.init) ?? uri
        guard name.hasSuffix(".m4s"), let dash = name.lastIndex(of: "-") else { return nil }
        let numbers = name[name.index(after: dash)...].dropLast(4).split(separator: ".")
        guard numbers.count == 2, let sequence = Int(numbers[0]), let part = Int(numbers[1]) else { return nil }
        return (sequence, part)
    }
}
