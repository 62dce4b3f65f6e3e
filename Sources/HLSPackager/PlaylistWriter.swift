import Foundation

/// Renders media playlists (RFC 8216). Pure text: testable without any stream.
public enum PlaylistWriter {
    public struct Entry: Sendable {
        public var uri: String
        public var duration: Double
        public var discontinuity: Bool
        public var programDateTime: Date

        public init(uri: String, duration: Double, discontinuity: Bool, programDateTime: Date) {
            self.uri = uri
            self.duration = duration
            self.discontinuity = discontinuity
            self.programDateTime = programDateTime
        }
    }

    /// A classic live (or ended) media playlist.
    /// - EXT-X-VERSION 3: decimal EXTINF durations (RFC 8216 7).
    /// - EXT-X-MEDIA-SEQUENCE is the first listed segment's number (4.3.3.2).
    /// - EXT-X-DISCONTINUITY-SEQUENCE counts discontinuities that left the window (4.3.3.3).
    /// - EXT-X-PROGRAM-DATE-TIME on every segment, so a hall can tell how far behind live it is.
    public static func classic(entries: [Entry], targetDuration: Int, mediaSequence: Int, discontinuitySequence: Int,
                               ended: Bool) -> String {
        classicTemplate(entries: entries, targetDuration: targetDuration, mediaSequence: mediaSequence,
                        discontinuitySequence: discontinuitySequence, ended: ended).plain
    }

    /// The same, with URI ends marked for a per-request suffix.
    public static func classicTemplate(entries: [Entry], targetDuration: Int, mediaSequence: Int, discontinuitySequence: Int,
                                       ended: Bool) -> PlaylistTemplate {
        var text = PlaylistTemplate()
        text.append("#EXTM3U\n#EXT-X-VERSION:3\n")
        text.append("#EXT-X-TARGETDURATION:\(targetDuration)\n")
        text.append("#EXT-X-MEDIA-SEQUENCE:\(mediaSequence)\n")
        if discontinuitySequence > 0 {
            text.append("#EXT-X-DISCONTINUITY-SEQUENCE:\(discontinuitySequence)\n")
        }
        for entry in entries {
            if entry.discontinuity { text.append("#EXT-X-DISCONTINUITY\n") }
            text.append("#EXT-X-PROGRAM-DATE-TIME:\(formatDate(entry.programDateTime))\n")
            text.append("#EXTINF:\(formatDuration(entry.duration)),\n")
            text.appendURI(entry.uri)
            text.append("\n")
        }
        if ended { text.append("#EXT-X-ENDLIST\n") }
        return text
    }

    static func formatDuration(_ seconds: Double) -> String {
        String(format: "%.3f", seconds)
    }

    /// ISO 8601 with milliseconds and a Z (RFC 8216 4.3.2.6 refers to ISO/IEC 8601:2004).
    public static func formatDate(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = milliseconds / 1000
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(milliseconds % 1000))
    }
}
