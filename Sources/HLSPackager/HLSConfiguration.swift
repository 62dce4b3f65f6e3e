/// Classic HLS packaging settings.
public struct HLSConfiguration: Sendable, Equatable {
    /// Segments are cut at the first keyframe at or after this many seconds.
    public var segmentTargetSeconds: Double
    /// Segments listed in a live playlist.
    public var windowSegments: Int
    /// Segments kept in memory after they left the playlist, for clients a little behind
    /// (RFC 8216 6.2.2 asks servers to keep them available a while).
    public var retainedSegments: Int

    public init(segmentTargetSeconds: Double = 2, windowSegments: Int = 6, retainedSegments: Int = 4) {
        self.segmentTargetSeconds = segmentTargetSeconds
        self.windowSegments = windowSegments
        self.retainedSegments = retainedSegments
    }
}
