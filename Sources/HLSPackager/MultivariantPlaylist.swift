import Foundation
import MediaRemux
import MediaTypes

/// A path's multivariant playlist (RFC 8216 4.3.4): one variant stream, the default media playlist,
/// described by what the server knows rather than what a player would have to guess — the codecs
/// from the tracks' parameter sets, the picture size, the measured frame rate and the bit rates of
/// the segments made. Rendered on request, with the caller's token on the URI.
public struct MultivariantPlaylist: Sendable, Equatable {
    /// EXT-X-VERSION: that of the media the variant leads to (RFC 8216 4.3.1.2 "its associated
    /// media"): 6 for fMP4 (EXT-X-MAP outside an I-frame playlist), 3 for MPEG-TS (decimal EXTINF).
    public var version: Int
    /// BANDWIDTH: the peak segment bit rate seen so far, bits/s (RFC 8216 4.1, 4.3.4.2).
    public var bandwidth: Int
    /// AVERAGE-BANDWIDTH: the average segment bit rate so far, bits/s.
    public var averageBandwidth: Int?
    /// CODECS (RFC 6381 values), one per track; nil when one of them is unknown, since a CODECS
    /// attribute must name every format present (4.3.4.2) and a partial one misleads a player.
    public var codecs: [String]?
    public var width: Int?
    public var height: Int?
    /// FRAME-RATE, for video.
    public var frameRate: Double?
    /// EXT-X-INDEPENDENT-SEGMENTS: every segment so far started on a keyframe.
    public var independentSegments: Bool

    public init(version: Int, bandwidth: Int, averageBandwidth: Int? = nil, codecs: [String]?, width: Int? = nil, height: Int? = nil,
                frameRate: Double? = nil, independentSegments: Bool) {
        self.version = version
        self.bandwidth = bandwidth
        self.averageBandwidth = averageBandwidth
        self.codecs = codecs
        self.width = width
        self.height = height
        self.frameRate = frameRate
        self.independentSegments = independentSegments
    }

    /// Describes a packager's output: `tracks` as published with their `codecs(of:)`, its window's
    /// rates. Nil before the first segment.
    init?<Segment>(tracks: [Track], codecs: [String]?, window: SegmentWindow<Segment>, version: Int) {
        guard !window.segments.isEmpty, let bandwidth = window.bitrate.bandwidth else { return nil }
        let video = tracks.first { $0.codec.isVideo }
        self.init(version: version, bandwidth: bandwidth, averageBandwidth: window.bitrate.averageBandwidth,
                  codecs: codecs, width: video?.width, height: video?.height,
                  frameRate: video == nil ? nil : window.framesPerSecond, independentSegments: window.allIndependent)
    }

    /// The tracks' codec strings, video first (as players list them), or nil if any is unknown.
    /// Packagers work them out once per track list, not per request.
    static func codecs(of tracks: [Track]) -> [String]? {
        var strings: [String] = []
        for track in tracks.filter({ $0.codec.isVideo }) + tracks.filter({ $0.codec.isAudio }) {
            guard let string = CodecString.of(track) else { return nil }
            strings.append(string)
        }
        return strings.isEmpty ? nil : strings
    }

    /// The playlist text; `uri` is the media playlist (relative to this one), `uriSuffix` the
    /// caller's `?token=` carried on as on every URI a playlist lists.
    public func render(uri: String = "index.m3u8", uriSuffix: String = "") -> String {
        var text = "#EXTM3U\n#EXT-X-VERSION:\(version)\n"
        if independentSegments { text += "#EXT-X-INDEPENDENT-SEGMENTS\n" }
        var attributes = ["BANDWIDTH=\(bandwidth)"]
        if let averageBandwidth { attributes.append("AVERAGE-BANDWIDTH=\(averageBandwidth)") }
        if let codecs { attributes.append("CODECS=\"\(codecs.joined(separator: ","))\"") }
        if let width, let height { attributes.append("RESOLUTION=\(width)x\(height)") }
        if let frameRate { attributes.append("FRAME-RATE=\(String(format: "%.3f", frameRate))") }
        text += "#EXT-X-STREAM-INF:" + attributes.joined(separator: ",") + "\n"
        text += uri + uriSuffix + "\n"
        return text
    }
}
