import MediaTypes

/// Decode timestamps for a video track whose transport carries presentation times only. RTP
/// timestamps are sampling (presentation) instants (RFC 6184 5.1, RFC 7798 4.1); libavformat's
/// RTSP demuxer, which never runs a decoder, then sets DTS = PTS, and with B-frames those go
/// backwards, which every muxer refuses.
///
/// With a reorder depth of K pictures (from the SPS), the DTS of the i-th picture in decode order
/// is the (i-K)-th smallest PTS of the stream: every picture shown before it has arrived by then,
/// so it is the smallest of the K+1 largest PTS seen so far, and no look-ahead (no delay) is
/// needed. It never exceeds the picture's own PTS and never goes back. The first K pictures get
/// decode times one `step` apart before the first PTS. A depth that proves too small (a PTS below
/// the window) grows by one; until the decode times catch up, a picture gets the tick after the
/// last one, or is dropped when that would come after its PTS. A jump of more than `resetLimit` starts over (the timeline guard then marks a
/// new timeline).
struct DecodeTimestamps {
    static let maxDepth = 16
    static let resetLimit: Int64 = 10 * AccessUnit.clockRate

    private(set) var depth: Int
    private let step: Int64
    /// The depth + 1 largest PTS seen, ascending.
    private var window: [Int64] = []
    private var lastDTS: Int64?

    init(depth: Int, step: Int64 = 3600) {
        self.depth = min(max(depth, 0), Self.maxDepth)
        self.step = max(step, 1)
    }

    /// The DTS of the next picture in decode order, or nil when it cannot be placed (drop it).
    mutating func decodeTime(presentation pts: Int64) -> Int64? {
        if let top = window.last, let bottom = window.first, pts > top + Self.resetLimit || pts < bottom - Self.resetLimit {
            window = []
            lastDTS = nil
        }
        if window.isEmpty {
            window = (1...(depth + 1)).reversed().map { pts - Int64($0) * step }
        }
        let replaced = window[0]
        window[0] = pts
        var index = 0
        while index + 1 < window.count, window[index] > window[index + 1] {
            window.swapAt(index, index + 1)
            index += 1
        }
        if pts < replaced, depth < Self.maxDepth {
            // Shown before every one of the depth + 1 latest: the reordering is deeper than the
            // SPS said. Widen the window, keeping the value this picture pushed out.
            depth += 1
            window.insert(replaced, at: window.firstIndex { $0 > replaced } ?? window.count)
        }
        var dts = window[0]
        if let last = lastDTS, dts <= last {
            dts = last + 1
            guard dts <= pts else { return nil }
        }
        lastDTS = dts
        return dts
    }
}
