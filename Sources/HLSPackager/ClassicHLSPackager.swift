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
    private let waiters = RequestWaiters<WaitTarget>()

    /// What a held playlist request waits for.
    enum WaitTarget: Sendable {
        /// A first segment (or the end).
        case firstSegment
        /// Three target durations listed (or the end).
        case startable
    }

    /// How far the packager has got, copied once for all held requests.
    struct Progress {
        var hasSegments: Bool
        var startable: Bool
        var ended: Bool
        var publisherPresent: Bool

        func reached(_ target: WaitTarget) -> Bool {
            switch target {
            case .firstSegment: return hasSegments || ended
            case .startable: return startable || ended || (hasSegments && !publisherPresent)
            }
        }
    }

    private func progress(_ state: State) -> Progress {
        Progress(hasSegments: !state.window.segments.isEmpty,
                 startable: state.window.canStartThreeTargetsBack(listed: configuration.windowSegments), ended: state.ended,
                 publisherPresent: state.publisherPresent)
    }

    struct State {
        var tracks: [Track] = []
        /// The tracks' RFC 6381 codec strings (the multivariant playlist's CODECS).
        var codecs: [String]?
        var primaryTrack: Int?
        var hasVideo = false
        var current: SegmentBuilder?
        var pendingDiscontinuity = false
        var window: SegmentWindow<MediaSegment>
        var ended = false {
            didSet { cachedPlaylist = nil }
        }
        var unitsWaitingForKeyframe = 0
        var muxErrors = 0
        /// Whether media may still come: a playlist held for three target durations is not held
        /// for a camera that has left.
        var publisherPresent = true
        /// The playlist as last made; dropped whenever the window or the end changes.
        var cachedPlaylist: Playlist?
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
        self.logger = packagerLogger(logger, for: path)
        state = Mutex(State(window: SegmentWindow(targetSeconds: configuration.segmentTargetSeconds, retained: configuration.retainedSegments,
                                                  counters: path.counters(Self.counterKind), metrics: metrics)))
    }

    /// Marks the packager as wanted (every playlist or media request).
    public func touch() { activity.touch() }
    public func isIdle(now: ContinuousClock.Instant) -> Bool { activity.isIdle(now: now) }

    // MARK: - Reader

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
                state.publisherPresent = true
                state.ended = false
                return finished
            case .accessUnit(let unit):
                return add(unit, to: &state)
            case .publisherLeft:
                // The next publisher's tracks event brings the discontinuity.
                _ = finishCurrent(&state)
                state.publisherPresent = false
                return true  // a first playlist held for more media is answered now

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
            let cut = state.window.cut(elapsed: unit.pts - current.startPTS, keyframe: unit.isKeyframe, frameTicks: unit.duration,
                                       startedOnKeyframe: current.independent)
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
        metrics.muxErrors.increment()
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
        state.cachedPlaylist = nil
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
        /// Rendered once when the packager's state changed (`playlist()` hands out the cached value).
        public let template: PlaylistTemplate

        init(entries: [PlaylistWriter.Entry], targetDuration: Int, mediaSequence: Int, discontinuitySequence: Int, ended: Bool) {
            self.entries = entries
            self.targetDuration = targetDuration
            self.mediaSequence = mediaSequence
            self.discontinuitySequence = discontinuitySequence
            self.ended = ended
            template = PlaylistWriter.classicTemplate(entries: entries, targetDuration: targetDuration, mediaSequence: mediaSequence,
                                                      discontinuitySequence: discontinuitySequence, ended: ended)
        }

        /// Whether it lists three target durations (RFC 8216 6.3.3), or the stream ended.
        public var startable: Bool {
            ended || coversThreeTargetDurations(entries.lazy.map(\.duration), target: targetDuration)
        }

        public func render(uriSuffix: String = "") -> String {
            template.text(uriSuffix: uriSuffix)
        }
    }

    /// The current playlist, or nil while no segment is complete yet: made and rendered once per
    /// change of the window, then handed out from the cache.
    public func playlist() -> Playlist? {
        state.withLock { state -> Playlist? in
            if let cached = state.cachedPlaylist { return cached }
            guard let target = state.window.targetDuration, !state.window.segments.isEmpty else { return nil }
            let listed = state.window.listed(configuration.windowSegments)
            let playlist = Playlist(entries: listed.map {
                PlaylistWriter.Entry(uri: $0.name, duration: $0.duration, discontinuity: $0.discontinuity, programDateTime: $0.programDateTime)
            }, targetDuration: target, mediaSequence: listed.first?.sequence ?? 0,
               discontinuitySequence: state.window.discontinuitySequence, ended: state.ended)
            state.cachedPlaylist = playlist
            return playlist
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
        await waiters.wait(for: .firstSegment, timeout: timeout) { [self] target in
            state.withLock { progress($0) }.reached(target)
        }
    }

    /// Waits until the playlist lists three target durations (or the stream ended), at most
    /// `timeout`: a player opening a stream that has just gone live then finds where RFC 8216 6.3.3
    /// lets it start. Chromium's own HLS player fails with DEMUXER_ERROR_COULD_NOT_PARSE on the
    /// shorter playlist of the first seconds. Returns whether that much is there.
    public func waitForStartablePlaylist(timeout: Duration) async -> Bool {
        await waiters.wait(for: .startable, timeout: timeout) { [self] target in
            state.withLock { progress($0) }.reached(target)
        }
    }

    private func wakeWaiters() {
        let snapshot = state.withLock { progress($0) }
        waiters.wake { snapshot.reached($0) }
    }
}
