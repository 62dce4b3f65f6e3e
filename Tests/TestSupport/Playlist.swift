/// A parsed media playlist, enough for the tests' checks.
public struct ParsedPlaylist: Sendable {
    public struct Segment: Sendable {
        public var uri: String
        public var duration: Double
        public var discontinuity: Bool
        public var programDateTime: String?
    }

    public var targetDuration: Int?
    public var mediaSequence: Int = 0
    public var discontinuitySequence: Int = 0
    public var version: Int?
    public var ended = false
    public var segments: [Segment] = []

    public init(_ text: String) {
        var pendingDuration: Double?
        var pendingDiscontinuity = false
        var pendingDate: String?
        for raw in text.split(separator: "\n") {
            let line = String(raw)
            if line.hasPrefix("#EXT-X-TARGETDURATION:") {
                targetDuration = Int(line.dropFirst("#EXT-X-TARGETDURATION:".count))
            } else if line.hasPrefix("#EXT-X-MEDIA-SEQUENCE:") {
                mediaSequence = Int(line.dropFirst("#EXT-X-MEDIA-SEQUENCE:".count)) ?? -1
            } else if line.hasPrefix("#EXT-X-DISCONTINUITY-SEQUENCE:") {
                discontinuitySequence = Int(line.dropFirst("#EXT-X-DISCONTINUITY-SEQUENCE:".count)) ?? -1
            } else if line.hasPrefix("#EXT-X-VERSION:") {
                version = Int(line.dropFirst("#EXT-X-VERSION:".count))
            } else if line == "#EXT-X-ENDLIST" {
                ended = true
            } else if line == "#EXT-X-DISCONTINUITY" {
                pendingDiscontinuity = true
            } else if line.hasPrefix("#EXT-X-PROGRAM-DATE-TIME:") {
                pendingDate = String(line.dropFirst("#EXT-X-PROGRAM-DATE-TIME:".count))
            } else if line.hasPrefix("#EXTINF:") {
                pendingDuration = Double(line.dropFirst("#EXTINF:".count).split(separator: ",").first ?? "")
            } else if !line.hasPrefix("#"), !line.isEmpty {
                segments.append(Segment(uri: line, duration: pendingDuration ?? -1, discontinuity: pendingDiscontinuity, programDateTime: pendingDate))
                pendingDuration = nil
                pendingDiscontinuity = false
                pendingDate = nil
            }
        }
    }
}
