import Foundation

/// An HLS VOD media playlist (RFC 8216) for a playback plan: byte ranges into the recording files,
/// an `EXT-X-MAP` (the file's init section, by byte range) before the first fragment of each file
/// and after each discontinuity, `EXT-X-PROGRAM-DATE-TIME` on every fragment (the wall-clock time
/// it was recorded), `EXT-X-DISCONTINUITY` where the plan has one (a gap, another file).
public enum VODPlaylist {
    /// - Parameter uri: the URI of a file as the playlist names it (the HTTP layer adds its
    ///   `?token=`; a test may return a relative file name). Quotes and line breaks in it are
    ///   percent-encoded.
    /// - Throws: `.notFound` when the plan has nothing to serve.
    public static func render(_ plan: PlaybackPlan, uri: (RecordedFile) -> String) throws(RecordingError) -> String {
        let fragments = plan.fragments
        guard !fragments.isEmpty else {
            throw RecordingError(.notFound, "nothing recorded for \(plan.path) between \(RecordingTime.format(plan.range.from)) and \(RecordingTime.format(plan.range.to))")
        }
        let longest = fragments.map { milliseconds($0.fragment) }.max() ?? 0
        var lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:7",
            "#EXT-X-PLAYLIST-TYPE:VOD",
            "#EXT-X-TARGETDURATION:\(max(1, (longest + 999) / 1000))",
            "#EXT-X-MEDIA-SEQUENCE:0",
            "#EXT-X-INDEPENDENT-SEGMENTS",
        ]
        var currentFile: Int64?
        var uris: [Int64: String] = [:]
        for (file, fragment, discontinuity) in fragments {
            let fileURI: String
            if let known = uris[file.id] {
                fileURI = known
            } else {
                fileURI = escape(uri(file))
                uris[file.id] = fileURI
            }
            // A new file always follows a discontinuity (but never before the first fragment).
            if discontinuity && currentFile != nil { lines.append("#EXT-X-DISCONTINUITY") }
            if discontinuity || currentFile != file.id {
                lines.append("#EXT-X-MAP:URI=\"\(fileURI)\",BYTERANGE=\"\(file.initLength)@0\"")
            }
            currentFile = file.id
            lines.append("#EXT-X-PROGRAM-DATE-TIME:\(RecordingTime.format(fragment.start))")
            lines.append("#EXTINF:\(seconds(milliseconds(fragment))),")
            lines.append("#EXT-X-BYTERANGE:\(fragment.length)@\(fragment.offset)")
            lines.append(fileURI)
        }
        lines.append("#EXT-X-ENDLIST")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A fragment's duration in whole milliseconds (what the index keeps), never negative.
    static func milliseconds(_ fragment: RecordedFragment) -> Int64 {
        max(0, LedgerEntry.milliseconds(fragment.end) - LedgerEntry.milliseconds(fragment.start))
    }

    /// `6.040`: seconds with three decimals, from milliseconds (no floating-point rounding).
    static func seconds(_ milliseconds: Int64) -> String {
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    static func escape(_ uri: String) -> String {
        var result = ""
        for scalar in uri.unicodeScalars {
            switch scalar {
            case "\"": result += "%22"
            case "\r": result += "%0D"
            case "\n": result += "%0A"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
