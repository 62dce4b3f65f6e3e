/// One coded picture or audio frame, exactly as it arrived (never transcoded), with timestamps on the
/// 90 kHz MPEG clock. Timestamps are unwrapped: they keep growing past MPEG-TS's 33-bit wrap.
public struct AccessUnit: Sendable {
    public var track: Int
    public var pts: Int64
    public var dts: Int64
    /// Duration in 90 kHz ticks when known (audio frames always; video from the frame grid).
    public var duration: Int64
    /// A picture a decoder can start from: H.264 IDR, or any H.265 IRAP picture (IDR, CRA, BLA).
    /// Every audio frame is a keyframe.
    public var isKeyframe: Bool
    public var data: [UInt8]
    /// Monotonic arrival time in nanoseconds (for stall detection and latency figures).
    public var arrival: UInt64

    public init(track: Int, pts: Int64, dts: Int64, duration: Int64, isKeyframe: Bool, data: [UInt8], arrival: UInt64) {
        self.track = track
        self.pts = pts
        self.dts = dts
        self.duration = duration
        self.isKeyframe = isKeyframe
        self.data = data
        self.arrival = arrival
    }

    public static let clockRate: Int64 = 90_000
}
