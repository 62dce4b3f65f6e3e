/// The bit rates a multivariant playlist declares for a media playlist, kept as segments finish
/// (RFC 8216 4.1):
/// - the peak segment bit rate: the largest bit rate of any contiguous set of segments whose total
///   duration is between 0.5 and 1.5 times the target duration, a set's bit rate being the sum of
///   its segments' sizes over the sum of their durations (BANDWIDTH, 4.3.4.2);
/// - the average segment bit rate: every segment's bits over the total duration
///   (AVERAGE-BANDWIDTH).
/// Sizes are the bytes the packager serves for a segment (container included, HTTP not), as the
/// definition says. Both figures cover every segment the packager has made, not only the ones still
/// listed: BANDWIDTH is the peak seen so far (a live stream's future is unknown), and it never
/// falls, so a player that sized its buffer by it is not surprised by a burst it already saw.
struct SegmentBitrate: Equatable {
    /// Bits per second of the richest qualifying set so far; nil until a set qualifies.
    private(set) var peak: Double?
    /// Bits per second of the richest single segment: what BANDWIDTH says until a set qualifies
    /// (only segments shorter than half the target, or longer than one and a half, so far).
    private(set) var richestSegment: Double = 0
    private(set) var bytes = 0
    private(set) var seconds = 0.0

    /// Counts the newest segment, the last of `recent` (the window, oldest first): every set that
    /// ends with it is measured; sets ending earlier were measured when their last segment came.
    mutating func add<Segment: WindowedSegment>(newestOf recent: some BidirectionalCollection<Segment>, targetDuration: Int) {
        guard let newest = recent.last, newest.duration > 0 else { return }
        bytes += newest.byteCount
        seconds += newest.duration
        richestSegment = max(richestSegment, Double(newest.byteCount * 8) / newest.duration)
        let low = 0.5 * Double(targetDuration)
        let high = 1.5 * Double(targetDuration)
        var setBytes = 0
        var setSeconds = 0.0
        for segment in recent.reversed() {
            setBytes += segment.byteCount
            setSeconds += segment.duration
            if setSeconds > high { break }
            if setSeconds >= low {
                let rate = Double(setBytes * 8) / setSeconds
                peak = max(peak ?? 0, rate)
            }
        }
    }

    /// BANDWIDTH in whole bits per second, rounded up so it is never below the rate measured;
    /// nil before any segment.
    var bandwidth: Int? {
        guard seconds > 0 else { return nil }
        return Int((peak ?? richestSegment).rounded(.up))
    }

    /// AVERAGE-BANDWIDTH in whole bits per second; nil before any segment.
    var averageBandwidth: Int? {
        guard seconds > 0 else { return nil }
        return Int((Double(bytes * 8) / seconds).rounded(.up))
    }
}
