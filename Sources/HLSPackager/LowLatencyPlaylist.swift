import Foundation

/// A Low-Latency media playlist's content, rendered on request (full, or as a delta update).
public struct LowLatencyPlaylist: Sendable {
    public struct Part: Sendable {
        public var uri: String
        public var duration: Double
        public var independent: Bool
    }

    public struct Segment: Sendable {
        public var sequence: Int
        public var uri: String?            // nil for the segment still being written
        public var duration: Double
        public var discontinuity: Bool
        public var programDateTime: Date
        public var mapURI: String
        public var parts: [Part]           // listed only for recent segments
    }

    public var targetDuration: Int
    public var partTarget: Double
    public var mediaSequence: Int
    public var discontinuitySequence: Int
    public var segments: [Segment]         // complete ones, then the one in progress (uri nil)
    public var preloadHint: String?
    public var ended: Bool

    /// CAN-SKIP-UNTIL: six target durations (the specification's minimum).
    public var canSkipUntil: Double { Double(targetDuration * 6) }
    /// PART-HOLD-BACK: three part targets (the specification recommends at least three).
    public var partHoldBack: Double { partTarget * 3 }

    /// Whether the complete segments cover three target durations (RFC 8216 6.3.3), or it ended.
    public var startable: Bool {
        ended || coversThreeTargetDurations(segments.lazy.filter { $0.uri != nil }.map(\.duration), target: targetDuration)
    }

    /// The last segment (complete or in progress) a client can name in `_HLS_msn`.
    public var lastSequence: Int { segments.last?.sequence ?? mediaSequence }

    /// How many leading segments a delta update may skip: those ending more than CAN-SKIP-UNTIL
    /// before the end of the playlist.
    public func skippableSegments() -> Int {
        var fromEnd = 0.0
        var skippable = 0
        for (index, segment) in segments.enumerated().reversed() {
            if fromEnd >= canSkipUntil, segment.uri != nil {
                skippable = index + 1
                break
            }
            fromEnd += segment.duration
        }
        return skippable
    }

    /// Rendered once per packager state (`withTemplates()`), full and as a delta update.
    var fullTemplate: PlaylistTemplate?
    var deltaTemplate: PlaylistTemplate?

    /// A copy with both renderings made, for the packager's cache.
    func withTemplates() -> LowLatencyPlaylist {
        var copy = self
        copy.fullTemplate = template(skip: false)
        copy.deltaTemplate = template(skip: true)
        return copy
    }

    public func render(skip: Bool = false, uriSuffix: String = "") -> String {
        let cached = skip ? deltaTemplate : fullTemplate
        return (cached ?? template(skip: skip)).text(uriSuffix: uriSuffix)
    }

    /// The playlist text with its URI ends marked for a per-request suffix.
    public func template(skip: Bool) -> PlaylistTemplate {
        let skipped = skip ? skippableSegments() : 0
        // EXT-X-MAP outside an I-frame playlist needs version 6; EXT-X-SKIP needs version 9.
        var text = PlaylistTemplate()
        text.append("#EXTM3U\n#EXT-X-VERSION:\(skipped > 0 ? 9 : 6)\n")
        text.append("#EXT-X-TARGETDURATION:\(targetDuration)\n")
        text.append("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=\(Self.decimal(canSkipUntil)),PART-HOLD-BACK=\(Self.decimal(partHoldBack))\n")
        text.append("#EXT-X-PART-INF:PART-TARGET=\(Self.decimal(partTarget))\n")
        text.append("#EXT-X-MEDIA-SEQUENCE:\(mediaSequence)\n")
        if discontinuitySequence > 0 { text.append("#EXT-X-DISCONTINUITY-SEQUENCE:\(discontinuitySequence)\n") }
        if skipped > 0 { text.append("#EXT-X-SKIP:SKIPPED-SEGMENTS=\(skipped)\n") }
        var currentMap: String?
        for segment in segments.dropFirst(skipped) {
            if segment.discontinuity { text.append("#EXT-X-DISCONTINUITY\n") }
            if segment.mapURI != currentMap {
                text.append("#EXT-X-MAP:URI=\"")
                text.appendURI(segment.mapURI)
                text.append("\"\n")
                currentMap = segment.mapURI
            }
            text.append("#EXT-X-PROGRAM-DATE-TIME:\(PlaylistWriter.formatDate(segment.programDateTime))\n")
            for part in segment.parts {
                text.append("#EXT-X-PART:DURATION=\(PlaylistWriter.formatDuration(part.duration)),URI=\"")
                text.appendURI(part.uri)
                text.append(part.independent ? "\",INDEPENDENT=YES\n" : "\"\n")
            }
            if let uri = segment.uri {
                text.append("#EXTINF:\(PlaylistWriter.formatDuration(segment.duration)),\n")
                text.appendURI(uri)
                text.append("\n")
            }
        }
        if let preloadHint, !ended {
            text.append("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"")
            text.appendURI(preloadHint)
            text.append("\"\n")
        }
        if ended { text.append("#EXT-X-ENDLIST\n") }
        return text
    }

    /// Seconds with three decimals, rounded up so a limit printed this way is never below the value.
    static func decimal(_ value: Double) -> String {
        // The tolerance keeps 3 x 0.2 (0.6000000000000001 in binary) at 0.600.
        String(format: "%.3f", (value * 1000 - 1e-6).rounded(.up) / 1000)
    }
}
