/// Low-Latency HLS packaging settings (draft-pantos-hls-rfc8216bis: partial segments, blocking
/// playlist reload, delta updates).
public struct LowLatencyConfiguration: Sendable, Equatable {
    /// Segments are cut at the first keyframe at or after this many seconds.
    public var segmentTargetSeconds: Double
    /// The wanted part length; the real part target is this snapped to the stream's frame grid
    /// (a whole number of frames) and then fixed.
    public var partTargetSeconds: Double
    /// Segments kept after they left the playlist, for clients a little behind.
    public var retainedSegments: Int

    public init(segmentTargetSeconds: Double = 2, partTargetSeconds: Double = 0.2, retainedSegments: Int = 2) {
        self.segmentTargetSeconds = segmentTargetSeconds
        self.partTargetSeconds = partTargetSeconds
        self.retainedSegments = retainedSegments
    }
}
