import Foundation

/// One finished MPEG-TS segment, immutable once made.
public struct MediaSegment: Sendable, WindowedSegment {
    public var sequence: Int
    /// Seconds, from the primary track's timestamps.
    public var duration: Double
    /// True when this segment does not continue the previous one's timeline (EXT-X-DISCONTINUITY).
    public var discontinuity: Bool
    /// False when it starts without a keyframe (a long GOP cut at the target duration).
    public var independent: Bool
    /// Wall-clock time of the segment's first access unit (EXT-X-PROGRAM-DATE-TIME).
    public var programDateTime: Date
    public var data: [UInt8]
    public var name: String
    /// Access units of the primary track (pictures, for video).
    public var frames: Int

    public var byteCount: Int { data.count }
}
