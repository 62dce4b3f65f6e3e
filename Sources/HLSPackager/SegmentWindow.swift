import MediaTypes
import StreamHub

/// Whether segments of these durations cover three target durations: RFC 8216 6.3.3 tells a client
/// not to start less than that from the end, so a live playlist is startable from then on. The one
/// place this rule is written (the window, and both playlists, ask it).
func coversThreeTargetDurations(_ durations: some Sequence<Double>, target: Int) -> Bool {
    durations.reduce(0, +) >= Double(3 * target) - 0.001
}

/// A segment as the window sees it; both packagers' segments are one.
protocol WindowedSegment {
    var sequence: Int { get }
    /// Seconds, as EXTINF states it.
    var duration: Double { get }
    /// EXT-X-DISCONTINUITY before it.
    var discontinuity: Bool { get }
    /// The bytes served for it (its segment bit rate, RFC 8216 4.1, is these over its duration).
    var byteCount: Int { get }
    /// Access units of the primary track in it: pictures, for video.
    var frames: Int { get }
}

/// What both packagers share, in one place: segment numbering (kept by the path, so it survives a
/// packager restart), where a segment is cut, EXT-X-TARGETDURATION, the sliding window with its
/// discontinuity sequence, the accounting of oversized segments, and the bit rates and frame rate
/// the multivariant playlist declares. Pure state: no muxing, no
/// I/O, no lock (each packager keeps its window under its own lock).
///
/// Where a segment ends (RFC 8216 4.3.3.1: every EXTINF, rounded to the nearest integer, is at most
/// EXT-X-TARGETDURATION, and the target never changes, 6.2.1):
/// - at the first keyframe of the primary track at or after the configured target, so segments
///   normally start on a keyframe and a player can join at any of them;
/// - when a keyframe is late (a camera lost one, a "smart codec" stretched its GOP to 4-8 s),
///   anyway, once the segment has reached the declared target: the next segment then starts on a
///   picture that is not a keyframe. It is marked as such (`independent` is false; Low-Latency parts
///   say INDEPENDENT=YES only where a keyframe starts them), and a player joining there starts at the
///   next keyframe.
/// The declared target is fixed by the first segment: the configured target rounded up, or the first
/// GOP if it is longer (a camera whose GOP is 3 s gets a target of 3 and keyframe cuts), capped at
/// `maximumTarget` (three configured targets), where the first segment is cut too.
struct SegmentWindow<Segment: WindowedSegment> {
    /// Cut at the first keyframe at or after this (90 kHz ticks).
    let cutTicks: Int64
    /// The largest target the window declares (whole seconds).
    let maximumTarget: Int
    let retained: Int
    private let counters: SharedSequenceCounters
    private let metrics: HLSMetrics

    private(set) var segments: [Segment] = []
    /// EXT-X-TARGETDURATION, fixed when the first segment completes.
    private(set) var targetDuration: Int?
    /// Segments whose rounded duration exceeded the target anyway (a timestamp gap).
    private(set) var oversized = 0
    /// Segments that started without a keyframe (cut at the target inside a long GOP).
    private(set) var forcedCuts = 0
    private(set) var produced = 0
    /// Peak and average segment bit rates of every segment made (BANDWIDTH, AVERAGE-BANDWIDTH).
    private(set) var bitrate = SegmentBitrate()

    init(targetSeconds: Double, retained: Int, counters: SharedSequenceCounters, metrics: HLSMetrics) {
        cutTicks = Int64((targetSeconds * Double(AccessUnit.clockRate)).rounded())
        maximumTarget = 3 * max(1, Int(targetSeconds.rounded(.up)))
        self.retained = retained
        self.counters = counters
        self.metrics = metrics
    }

    /// How a segment ends before a primary-track unit.
    enum Cut: Equatable {
        /// Not yet.
        case none
        /// On this keyframe.
        case keyframe
        /// On this picture, which is not a keyframe: the segment reached the target first.
        case forced
    }

    /// The declared target, or the cap while the first segment is being made.
    private var effectiveTarget: Int { targetDuration ?? maximumTarget }

    /// A segment shorter than this rounds to at most the target (RFC 8216 4.3.3.1 compares the
    /// EXTINF rounded to the nearest integer; half a second rounds up).
    var limitTicks: Int64 { Int64(effectiveTarget) * AccessUnit.clockRate + AccessUnit.clockRate / 2 }

    /// Whether the segment in progress, `elapsed` ticks long at this unit of the primary track,
    /// ends before it. `frameTicks` is the unit's duration: a forced cut comes at the last picture
    /// before which the segment still rounds to the target, so a keyframe that is merely a frame or
    /// two late still starts the next segment.
    /// A segment that did not start on a keyframe ends at the first one (`startedOnKeyframe`
    /// false), however short it is then: segments fall back in step with the GOPs at once.
    func cut(elapsed: Int64, keyframe: Bool, frameTicks: Int64, startedOnKeyframe: Bool = true) -> Cut {
        if keyframe && (elapsed >= cutTicks || (!startedOnKeyframe && elapsed > 0)) { return .keyframe }
        let frame = frameTicks > 0 ? frameTicks : AccessUnit.clockRate / 25
        if elapsed + frame >= limitTicks { return .forced }
        return .none
    }

    /// Whether a segment of `elapsed` ticks made of whole parts ends at this part boundary because
    /// one more part of `partTicks` would make it too long (Low-Latency packaging cuts on parts).
    func endsAtPartBoundary(_ elapsed: Int64, partTicks: Int64) -> Bool {
        elapsed >= cutTicks && elapsed + partTicks >= limitTicks
    }

    /// The next segment's media sequence number.
    func nextSequence() -> Int {
        counters.withLock { counters in
            defer { counters.nextMediaSequence += 1 }
            return counters.nextMediaSequence
        }
    }

    var discontinuitySequence: Int { counters.value.discontinuitySequence }

    /// Adds a finished segment: fixes the target with the first, counts it, and slides the window
    /// to `listed` segments in the playlist plus `retained` kept for clients a little behind
    /// (RFC 8216 6.2.2). Returns false when the segment is longer than the target allows.
    @discardableResult
    mutating func append(_ segment: Segment, listed: Int, independent: Bool) -> Bool {
        let rounded = Int(segment.duration.rounded())
        var withinTarget = true
        if let target = targetDuration {
            if rounded > target {
                oversized += 1
                metrics.oversizedSegments.increment()
                withinTarget = false
            }
        } else {
            let configured = Int((Double(cutTicks) / Double(AccessUnit.clockRate)).rounded(.up))
            targetDuration = min(maximumTarget, max(configured, rounded))
            if rounded > maximumTarget {
                oversized += 1
                metrics.oversizedSegments.increment()
                withinTarget = false
            }
        }
        if !independent { forcedCuts += 1 }
        segments.append(segment)
        bitrate.add(newestOf: segments, targetDuration: targetDuration ?? maximumTarget)
        produced += 1
        metrics.segments.increment()
        // Segments leaving the playlist take their discontinuities into the sequence number.
        if segments.count > listed, segments[segments.count - listed - 1].discontinuity {
            counters.withLock { $0.discontinuitySequence += 1 }
        }
        let keep = listed + retained
        if segments.count > keep {
            segments.removeFirst(segments.count - keep)
        }
        return withinTarget
    }

    /// Whether the last `listed` segments cover three target durations: a player may then start
    /// where RFC 8216 6.3.3 tells it to (no segment less than three target durations from the end).
    func canStartThreeTargetsBack(listed count: Int) -> Bool {
        guard let target = targetDuration else { return false }
        return coversThreeTargetDurations(listed(count).lazy.map(\.duration), target: target)
    }

    /// The segments a playlist lists now.
    func listed(_ count: Int) -> ArraySlice<Segment> {
        segments.suffix(count)
    }

    /// Primary-track units per second over the segments kept (FRAME-RATE, for video), measured
    /// rather than read from the SPS's optional VUI timing: counted pictures over the presentation
    /// time they span, so 25 fps gives 25.000 and 30000/1001 gives 29.970. Nil before a segment.
    var framesPerSecond: Double? {
        let seconds = segments.reduce(0.0) { $0 + $1.duration }
        let frames = segments.reduce(0) { $0 + $1.frames }
        guard seconds > 0, frames > 0 else { return nil }
        return Double(frames) / seconds
    }

    /// Whether every segment made so far starts on a keyframe (EXT-X-INDEPENDENT-SEGMENTS may be
    /// declared only then; a long GOP cut at the target breaks it).
    var allIndependent: Bool { forcedCuts == 0 }
}
