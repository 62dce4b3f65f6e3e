import Foundation
import Logging
import MediaRemux
import MediaTypes
import StreamHub
import Synchronization

/// Classic HLS (RFC 8216) for one path: MPEG-TS segments in memory, each starting with a keyframe
/// and carrying PAT/PMT, cut at the first keyframe at or after the target duration.
///
/// It is a reader of its path: access units arrive on the publisher's receive loop and are muxed
/// at once, so a segment is complete the moment its last unit is in. Playlist and segment requests
/// read the finished window under the same short lock.
public final class ClassicHLSPackager: PathReader {
    public let configuration: HLSConfiguration
    private let metrics: HLSMetrics
    private let activity: Activity
    private let pathName: PathName
    private let instance: String
    private let logger: Logger
    private let state: Mutex<State>
    private let waiters = RequestWaiters<Void>()

    struct State {
        var tracks: [Track] = []
        /// The tracks' RFC 6381 codec strings (the multivariant playlist's CODECS).
        var codecs: [String]?
        var primaryTrack: Int?
        var hasVideo = false
        var current: SegmentBuilder?
        var pendingDiscontinuity = false
        var window: SegmentWindow<MediaSegment>
        var ended = false
        var unitsWaitingForKeyframe = 0
        var muxErrors = 0
    }

    /// Segment boundaries and durations are measured on the primary track's presentation times:
    /// keyframes sit on an exact grid in presentation order, while their decode times shift with the
    /// reordering depth (an open-GOP CRA may decode earlier relative to its PTS than the first IDR).
    struct SegmentBuilder {
        var muxer: TransportStreamMuxer
        var sequence: Int
        var startPTS: Int64
        var endPTS: Int64
        var discontinuity: Bool
        var independent: Bool
        var started: Date
        var frames = 0
    }

    public init(path: LivePath, configuration: HLSConfiguration, metrics: HLSMetrics = HLSMetrics(),
                idleTimeout: Duration? = nil, logger: Logger) {
        self.configuration = configuration
        self.metrics = metrics
        activity = Activity(idleTimeout: idleTimeout)
        pathName = path.name
        instance = path.instance
        var logger = logger
        logger[metadataKey: "path"] = "\(path.name)"
        self.logger = logger
        state = Mutex(State(window: SegmentWindow(targetSeconds: configuration.segmentTargetSeconds, retained: configuration.retainedSegments,
                                                  counters: path.counters(Self.counterKind), metrics: metrics)))
    }

    // MARK: - Reader

    /// Marks the packager as wanted (every playlist or segment request).
    public func touch() { activity.touch() }

    public func isIdle(now: ContinuousClock.Instant) -> Bool { activity.isIdle(now: now) }

    public func handle(_ event: PathEvent) {
        let completed = state.withLock { state -> Bool in
            switch event {
            case .tracks(let tracks, let discontinuity):
                let finished = finishCurrent(&state)
                state.tracks = tracks
                state.codecs = MultivariantPlaylist.codecs(of: tracks)
                state.hasVideo = tracks.contains { $0.codec.isVideo }
                state.primaryTrack = tracks.first { $0.codec.isVideo }?.index ?? tracks.first { $0.codec == .aac }?.index
                state.pendingDiscontinuity = state.pendingDiscontinuity || discontinuity
                state.ended = false
                return finished
            case .accessUnit(let unit):
                return add(unit, to: &state)
            case .publisherLeft:
                // The next publisher's tracks event brings the discontinuity.
                return finishCurrent(&state)
            case .ended:
                let finished = finishCurrent(&state)
                state.ended = true
                return finished || true
            }
        }
        if completed { wakeWaiters() }
    }

    private func add(_ unit: AccessUnit, to state: inout State) -> Bool {
        guard let primary = state.primaryTrack, unit.track < state.tracks.count else { return false }
        let isPrimary = unit.track == primary
        var completed = false
        var startsIndependent = true
        if let current = state.current, isPrimary {
            let cut = state.window.cut(elapsed: unit.pts - current.startPTS, keyframe: unit.isKeyframe, frameTicks: unit.duration)
            if cut != .none {
                completed = finishCurrent(&state, endPTS: unit.pts)
                startsIndependent = cut == .keyframe
                if cut == .forced {
                    logger.notice("segment cut at the target without a keyframe: the camera's keyframe interval is longer than EXT-X-TARGETDURATION", metadata: [
                        "targetDuration": "\(state.window.targetDuration ?? state.window.maximumTarget)"])
                }
            }
        }
        if state.current == nil {
            // A segment starts with a keyframe of the primary track (RFC 8216 3: each segment
            // decodable on its own) unless a long GOP was cut at the target; until the first
            // keyframe comes, units are dropped.
            guard isPrimary && (unit.isKeyframe || !startsIndependent) else {
                state.unitsWaitingForKeyframe += 1
                return completed
            }
            do {
                let muxer = try TransportStreamMuxer(tracks: state.tracks)
                state.current = SegmentBuilder(muxer: muxer, sequence: state.window.nextSequence(), startPTS: unit.pts, endPTS: unit.pts,
                                               discontinuity: state.pendingDiscontinuity, independent: unit.isKeyframe,
                                               started: wallClock(ofArrival: unit.arrival))
                state.pendingDiscontinuity = false
            } catch {
                countMuxError(&state)
                logger.error("cannot start a segment", metadata: ["error": "\(error)"])
                return completed
            }
        }
        guard var current = state.current else { return completed }
        do {
            try current.muxer.write(unit)
        } catch {
            countMuxError(&state)
            logger.warning("access unit not muxed", metadata: ["error": "\(error)", "track": "\(unit.track)"])
        }
        if isPrimary {
            current.endPTS = max(current.endPTS, unit.pts + unit.duration)
            current.frames += 1
        }
        state.current = current
        return completed
    }

    /// Counted here and in /metrics (`fieldrelay_hls_mux_errors_total` counts both packagers).
    private func countMuxError(_ state: inout State) {
        state.muxErrors += 1
        metrics.muxErrors.add(1, ordering: .relaxed)
    }

    /// Closes the segment being written. `endPTS` is where the next segment starts, when known.
    @discardableResult
    private func finishCurrent(_ state: inout State, endPTS: Int64? = nil) -> Bool {
        guard let current = state.current else { return false }
        state.current = nil
        let end = endPTS ?? current.endPTS
        let duration = Double(max(0, end - current.startPTS)) / Double(AccessUnit.clockRate)
        let data: [UInt8]
        do {
            data = try current.muxer.finish()
        } catch {
            countMuxError(&state)
            logger.error("segment lost: muxer failed to finish", metadata: ["error": "\(error)"])
            return false
        }
        guard duration > 0 else {
            // A publisher that left right after a keyframe leaves a zero-length stub; not worth listing.
            return false
        }
        let segment = MediaSegment(sequence: current.sequence, duration: duration, discontinuity: current.discontinuity,
                                   independent: current.independent, programDateTime: current.started, data: data,
                                   name: "\(instance)-\(current.sequence).ts", frames: current.frames)
        if !state.window.append(segment, listed: configuration.windowSegments, independent: current.independent) {
            logger.warning("segment longer than EXT-X-TARGETDURATION, which may not change (RFC 8216 6.2.1): a gap in the camera's timestamps", metadata: [
                "segmentSeconds": "\(PlaylistWriter.formatDuration(duration))", "targetDuration": "\(state.window.targetDuration ?? 0)"])
        }
        return true
    }

    static let counterKind = "classic"

    // MARK: - Delivery

    public struct Playlist: Sendable {
        public var entries: [PlaylistWriter.Entry]
        public var targetDuration: Int
        public var mediaSequence: Int
        public var discontinuitySequence: Int
        public var ended: Bool

        public func render(uriSuffix: String = "") -> String {
            PlaylistWriter.classic(entries: entries.map { entry in
                var entry = entry
                entry.uri += uriSuffix
                return entry
            }, targetDuration: targetDuration, mediaSequence: mediaSequence, discontinuitySequence: discontinuitySequence, ended: ended)
        }
    }

    /// The current playlist, or nil while no segment is complete yet.
    public func playlist() -> Playlist? {
        state.withLock { state -> Playlist? in
            guard let target = state.window.targetDuration, !state.window.segments.isEmpty else { return nil }
            let listed = state.window.listed(configuration.windowSegments)
            return Playlist(entries: listed.map {
                PlaylistWriter.Entry(uri: $0.name, duration: $0.duration, discontinuity: $0.discontinuity, programDateTime: $0.programDateTime)
            }, targetDuration: target, mediaSequence: listed.first?.sequence ?? 0,
               discontinuitySequence: state.window.discontinuitySequence, ended: state.ended)
        }
    }

    /// What the multivariant playlist says of this packager's stream, or nil while no segment is
    /// complete yet. Version 3: MPEG-TS segments with decimal durations.
    public func multivariant() -> MultivariantPlaylist? {
        state.withLock { MultivariantPlaylist(tracks: $0.tracks, codecs: $0.codecs, window: $0.window, version: 3) }
    }

    public func segment(named name: String) -> MediaSegment? {
        state.withLock { state in state.window.segments.first { $0.name == name } }
    }

    public struct Statistics: Sendable {
        public var segmentsProduced: Int
        public var oversizedSegments: Int
        /// Segments cut at the target inside a long GOP (they start without a keyframe).
        public var segmentsWithoutKeyframe: Int
        public var muxErrors: Int
        public var unitsWaitingForKeyframe: Int
    }

    public var statistics: Statistics {
        state.withLock {
            Statistics(segmentsProduced: $0.window.produced, oversizedSegments: $0.window.oversized,
                       segmentsWithoutKeyframe: $0.window.forcedCuts, muxErrors: $0.muxErrors,
                       unitsWaitingForKeyframe: $0.unitsWaitingForKeyframe)
        }
    }

    /// Waits until a playlist can be served (a first segment, or the end), at most `timeout`.
    public func waitForPlaylist(timeout: Duration) async -> Bool {
        await waiters.wait(for: (), timeout: timeout) { [self] _ in
            state.withLock { !$0.window.segments.isEmpty || $0.ended }
        }
    }

    private func wakeWaiters() {
        waiters.wake { _ in true }
    }
}
