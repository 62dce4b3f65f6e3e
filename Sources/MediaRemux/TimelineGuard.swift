import Logging
import MediaTypes

/// Keeps each track's decode timestamps going forward, as every muxer needs, and tells a new
/// timeline inside one connection from a damaged or stale access unit.
///
/// - A unit whose DTS does not pass its track's last one by less than `backwardJumpLimit` (a unit
///   repeated or damaged by loss, a straggler) is dropped: muxed, it would be refused by libavformat
///   ("non monotonically increasing dts") and logged as an error.
/// - A DTS further back than that on any track, or further forward than `forwardJumpLimit` on the
///   primary track (video, else the first audio), is a new timeline: an encoder that restarted its
///   clock without reconnecting, a spliced source. The caller republishes the tracks, so the
///   playlists close the segment there and mark EXT-X-DISCONTINUITY instead of growing a segment
///   that never reaches its target and refusing every unit after it.
/// - After a jump, the other tracks' units still on the old timeline (interleaved before the jump)
///   are dropped for up to `straggleLimit` of their own time; a track that stays on the old timeline
///   longer is followed there.
/// Audio that pauses and resumes (a forward gap on a secondary track) is not a new timeline.
struct TimelineGuard {
    enum Verdict: Equatable {
        case pass
        case drop
        case newTimeline
    }

    static let backwardJumpLimit: Int64 = AccessUnit.clockRate          // 1 s
    static let forwardJumpLimit: Int64 = 10 * AccessUnit.clockRate      // 10 s
    static let straggleLimit: Int64 = AccessUnit.clockRate              // 1 s

    private var primary: Int?
    private var lastDTS: [Int: Int64] = [:]
    /// Tracks that have not crossed the last jump yet: the jump's size, and their DTS at the jump.
    private var pendingShift: [Int: (shift: Int64, from: Int64)] = [:]

    init(primary: Int?) {
        self.primary = primary
    }

    mutating func check(track: Int, dts: Int64) -> Verdict {
        guard let last = lastDTS[track] else {
            lastDTS[track] = dts
            return .pass
        }
        if let pending = pendingShift[track] {
            let onNew = abs(dts - (pending.from + pending.shift)) < abs(dts - pending.from)
            if onNew || dts - pending.from > Self.straggleLimit {
                pendingShift[track] = nil
                lastDTS[track] = dts
                return .pass
            }
            return .drop
        }
        let delta = dts - last
        if delta <= -Self.backwardJumpLimit || (track == primary && delta > Self.forwardJumpLimit) {
            pendingShift = [:]
            for (other, otherLast) in lastDTS where other != track {
                pendingShift[other] = (delta, otherLast)
            }
            lastDTS[track] = dts
            return .newTimeline
        }
        if delta <= 0 { return .drop }
        lastDTS[track] = dts
        return .pass
    }
}

/// `TimelineGuard` as both intakes apply it (MPEG-TS over SRT, RTSP): the verdict, counted, and a
/// new timeline logged (the first ten, then every hundredth). The counts outlive the guard, which is
/// made again whenever the tracks are republished.
struct TimelineGate {
    enum Admission: Equatable {
        /// Muxed as it is.
        case pass
        /// Its DTS did not go forward: left out.
        case drop
        /// A new timeline: the tracks are published again before it (a discontinuity downstream).
        case republish
    }

    private var timeline = TimelineGuard(primary: nil)
    private(set) var staleUnitsDropped = 0
    private(set) var timelineJumps = 0

    /// A new guard for newly published tracks (`primary`: video, else the first audio).
    mutating func restart(primary: Int?) {
        timeline = TimelineGuard(primary: primary)
    }

    /// A unit left out for another reason the caller found (counted with the stale ones).
    mutating func countStale() {
        staleUnitsDropped += 1
    }

    mutating func admit(track: Int, dts: Int64, source: String, logger: Logger) -> Admission {
        switch timeline.check(track: track, dts: dts) {
        case .pass:
            return .pass
        case .drop:
            staleUnitsDropped += 1
            return .drop
        case .newTimeline:
            timelineJumps += 1
            if timelineJumps <= 10 || timelineJumps % 100 == 0 {
                logger.notice("the \(source)'s timestamps jumped: a new timeline, marked as a discontinuity",
                              metadata: ["track": "\(track)", "dts": "\(dts)", "jumps": "\(timelineJumps)"])
            }
            return .republish
        }
    }
}
