import Foundation
import Logging
import MediaRemux
import MediaTypes
import StreamHub
import Synchronization

/// Low-Latency HLS for one path: fMP4 (CMAF) parts of about 200 ms on the stream's frame grid,
/// segments cut on keyframes, blocking playlist reload, preload hints and delta updates.
///
/// A part is closed the moment its last frame is muxed (the frame count is known in advance), so a
/// part is available as soon as its last access unit has arrived; waiting requests are answered
/// right then. Requests wait on continuations: thousands of them cost memory, not threads.
public final class LowLatencyHLSPackager: PathReader {
    public let configuration: LowLatencyConfiguration
    private let metrics: HLSMetrics
    private let activity: Activity
    private let instance: String
    private let logger: Logger
    private let state: Mutex<State>
    private let waiters = RequestWaiters<WaitTarget>()

    static let counterKind = "low-latency"

    struct Part {
        var index: Int
        var duration: Int64
        var independent: Bool
        var data: [UInt8]
        var frames: Int
    }

    struct Segment: WindowedSegment {
        var sequence: Int
        var parts: [Part] = []
        var discontinuity: Bool
        var started: Date
        var mapIndex: Int
        var startPTS: Int64
        var ticks: Int64 { parts.reduce(0) { $0 + $1.duration } }
        var duration: Double { Double(ticks) / Double(AccessUnit.clockRate) }
        var byteCount: Int { parts.reduce(0) { $0 + $1.data.count } }
        var frames: Int { parts.reduce(0) { $0 + $1.frames } }
    }

    struct OpenPart {
        var frames = 0
        var duration: Int64 = 0
        var independent: Bool?
        var lastArrival: UInt64 = 0
    }

    /// What a held request waits for: segment `sequence` complete, or (with `part`) that part of it.
    struct WaitTarget: Sendable {
        var sequence: Int
        var part: Int?
        /// Instead: three target durations of complete segments listed.
        var startable = false
    }

    struct State {
        var tracks: [Track] = []
        /// The tracks' RFC 6381 codec strings (the multivariant playlist's CODECS).
        var codecs: [String]?
        var primary: Int?
        var muxer: FragmentedMP4Muxer?
        var unusable: String?
        var maps: [Int: [UInt8]] = [:]
        var mapIndex = 0
        var window: SegmentWindow<Segment>
        var current: Segment?
        /// The last segment was cut at the target inside a long GOP: the next starts on any picture.
        var continuesGOP = false
        var open = OpenPart()
        var lastPrimaryDTS: Int64?
        var frameDuration: Int64?
        var framesPerPart: Int?
        var partTarget: Int64?
        var pendingDiscontinuity = false
        /// The playlist as last made (rendered full and as a delta update); dropped on every change
        /// a playlist shows: a part, a segment begun or finished, the muxer, the end.
        var cachedPlaylist: LowLatencyPlaylist?
        var ended = false
    }

    public init(path: LivePath, configuration: LowLatencyConfiguration, metrics: HLSMetrics = HLSMetrics(),
                idleTimeout: Duration? = nil, logger: Logger) {
        self.configuration = configuration
        self.metrics = metrics
        activity = Activity(idleTimeout: idleTimeout)
        instance = path.instance
        self.logger = packagerLogger(logger, for: path)
        state = Mutex(State(window: SegmentWindow(targetSeconds: configuration.segmentTargetSeconds, retained: configuration.retainedSegments,
                                                  counters: path.counters(Self.counterKind), metrics: metrics)))
    }

    /// Marks the packager as wanted (every playlist or media request).
    public func touch() { activity.touch() }
    public func isIdle(now: ContinuousClock.Instant) -> Bool { activity.isIdle(now: now) }

    /// Why this stream cannot be packaged as fMP4 (nil when it can).
    public var unusableReason: String? { state.withLock { $0.unusable } }

    // MARK: - Reader

    public func handle(_ event: PathEvent) {
        let changed = state.withLock { state -> Bool in
            if case .accessUnit = event {} else { state.cachedPlaylist = nil }
            switch event {
            case .tracks(let tracks, let discontinuity):
                let finished = finishSegment(&state, flushOpen: true)
                state.tracks = tracks
                state.codecs = MultivariantPlaylist.codecs(of: tracks)
                state.primary = tracks.first { $0.codec.isVideo }?.index ?? tracks.first?.index
                state.lastPrimaryDTS = nil
                state.open = OpenPart()
                state.pendingDiscontinuity = state.pendingDiscontinuity || discontinuity || !state.window.segments.isEmpty
                state.continuesGOP = false
                state.ended = false
                do throws(MediaError) {
                    let muxer = try FragmentedMP4Muxer(tracks: tracks)
                    state.mapIndex += 1
                    state.maps[state.mapIndex] = muxer.initSection
                    state.muxer = muxer
                    state.unusable = nil
                } catch {
                    state.muxer = nil
                    state.unusable = error.message
                    logger.warning("no Low-Latency HLS for these tracks", metadata: ["reason": "\(error.message)"])
                }
                return finished
            case .accessUnit(let unit):
                return add(unit, to: &state)
            case .publisherLeft:
                _ = finishSegment(&state, flushOpen: true)
                state.muxer = nil
                return true  // a first playlist held for more media is answered now
            case .ended:
                _ = finishSegment(&state, flushOpen: true)
                state.muxer = nil
                state.ended = true
                return true
            }
        }
        if changed { wakeWaiters() }
    }

    private func add(_ unit: AccessUnit, to state: inout State) -> Bool {
        guard let muxer = state.muxer, let primary = state.primary else { return false }
        let isPrimary = unit.track == primary
        let isCut = isPrimary && unit.isKeyframe
        var changed = false
        if isPrimary {
            learnFrameGrid(unit, &state)
        }
        if let current = state.current, isCut,
           state.window.cut(elapsed: unit.pts - current.startPTS, keyframe: true, frameTicks: unit.duration,
                            startedOnKeyframe: current.parts.first?.independent ?? (state.open.independent ?? true)) == .keyframe {
            changed = finishSegment(&state, flushOpen: state.open.frames > 0)
        }
        if state.current == nil {
            // A segment starts on a keyframe, or continues a long GOP cut at the target.
            guard isCut || (isPrimary && state.continuesGOP) else { return changed }
            state.continuesGOP = false
            state.current = Segment(sequence: state.window.nextSequence(), discontinuity: state.pendingDiscontinuity,
                                    started: wallClock(ofArrival: unit.arrival), mapIndex: state.mapIndex, startPTS: unit.pts)
            state.cachedPlaylist = nil  // the preload hint names the new segment's first part
            state.pendingDiscontinuity = false
        }
        do {
            try muxer.write(unit)
        } catch {
            metrics.muxErrors.increment()
            logger.warning("access unit not muxed (fMP4)", metadata: ["error": "\(error)"])
            return changed
        }
        if isPrimary {
            if state.open.independent == nil { state.open.independent = unit.isKeyframe }
            state.open.frames += 1
            state.open.duration += state.frameDuration ?? unit.duration
            state.open.lastArrival = unit.arrival
            if let perPart = state.framesPerPart, state.open.frames >= perPart {
                changed = closePart(&state) || changed
            }
        }
        return changed
    }

    /// Learns the primary track's frame duration from its first two frames and fixes the part
    /// target to a whole number of frames near the configured length.
    private func learnFrameGrid(_ unit: AccessUnit, _ state: inout State) {
        defer { state.lastPrimaryDTS = unit.dts }
        guard state.framesPerPart == nil else { return }
        var duration = unit.duration
        if let last = state.lastPrimaryDTS, unit.dts > last, unit.dts - last < AccessUnit.clockRate {
            duration = unit.dts - last
        } else if state.tracks.first(where: { $0.index == unit.track })?.codec.isVideo == true {
            return  // wait for a second frame to measure video's grid
        }
        guard duration > 0 else { return }
        let wanted = configuration.partTargetSeconds * Double(AccessUnit.clockRate)
        let frames = max(1, Int((wanted / Double(duration)).rounded()))
        state.frameDuration = duration
        // Frames counted before the grid was known get the grid's duration too.
        state.open.duration = Int64(state.open.frames) * duration
        state.framesPerPart = frames
        state.partTarget = Int64(frames) * duration
    }

    /// Closes the open part. `mayEndSegment`: end the segment here when it has reached the target
    /// (not when the segment is being finished anyway).
    @discardableResult
    private func closePart(_ state: inout State, mayEndSegment: Bool = true) -> Bool {
        guard var current = state.current, let muxer = state.muxer else { return false }
        let open = state.open
        state.open = OpenPart()
        let data: [UInt8]
        do {
            data = try muxer.flushFragment()
        } catch {
            metrics.muxErrors.increment()
            logger.error("part lost: fragment flush failed", metadata: ["error": "\(error)"])
            return false
        }
        guard open.frames > 0, !data.isEmpty else { return false }
        current.parts.append(Part(index: current.parts.count, duration: open.duration,
                                  independent: open.independent ?? false, data: data, frames: open.frames))
        state.current = current
        state.cachedPlaylist = nil
        metrics.parts.increment()
        metrics.partLatency.record(Double(MonotonicClock.now() &- open.lastArrival) / 1e9)
        if mayEndSegment, state.window.endsAtPartBoundary(current.ticks, partTicks: state.partTarget ?? open.duration) {
            // No keyframe within the target: end the segment on this part boundary (RFC 8216
            // 4.3.3.1); the next part is not INDEPENDENT, and players join at one that is.
            _ = finishSegment(&state, flushOpen: false)
            state.continuesGOP = true
            logger.notice("Low-Latency segment cut at the target without a keyframe: the camera's keyframe interval is longer than EXT-X-TARGETDURATION",
                          metadata: ["targetDuration": "\(state.window.targetDuration ?? state.window.maximumTarget)"])
        }
        return true
    }

    /// Closes the segment in progress (and its open part when asked) and slides the window.
    private func finishSegment(_ state: inout State, flushOpen: Bool) -> Bool {
        if flushOpen { closePart(&state, mayEndSegment: false) }
        guard let current = state.current else { return false }
        state.current = nil
        state.cachedPlaylist = nil
        guard !current.parts.isEmpty else { return false }
        let independent = current.parts.first?.independent ?? false
        if !state.window.append(current, listed: windowSegments(state), independent: independent) {
            logger.warning("Low-Latency segment longer than EXT-X-TARGETDURATION: a gap in the camera's timestamps",
                           metadata: ["segmentSeconds": "\(current.duration)", "targetDuration": "\(state.window.targetDuration ?? 0)"])
        }
        let usedMaps = Set(state.window.segments.map(\.mapIndex)).union([state.mapIndex])
        state.maps = state.maps.filter { usedMaps.contains($0.key) }
        return true
    }

    /// The window holds at least twice CAN-SKIP-UNTIL (6 target durations), so a delta update
    /// has something to skip.
    private func windowSegments(_ state: State) -> Int {
        let target = Double(state.window.targetDuration ?? Int(configuration.segmentTargetSeconds.rounded(.up)))
        return Int((12 * target / configuration.segmentTargetSeconds).rounded(.up)) + 1
    }

    // MARK: - Names

    func segmentName(_ sequence: Int) -> String { "\(instance)-\(sequence).m4s" }
    func partName(_ sequence: Int, _ part: Int) -> String { "\(instance)-\(sequence).\(part).m4s" }
    func mapName(_ index: Int) -> String { "\(instance)-init\(index).mp4" }

    public enum Resource: Equatable, Sendable {
        case segment(Int)
        case part(Int, Int)
        case map(Int)
    }

    /// Parses a file name this packager produces.
    public func resource(named name: String) -> Resource? {
        guard name.hasPrefix(instance + "-") else { return nil }
        let rest = name.dropFirst(instance.count + 1)
        if rest.hasPrefix("init"), rest.hasSuffix(".mp4"), let index = Self.number(rest.dropFirst(4).dropLast(4)) {
            return .map(index)
        }
        guard rest.hasSuffix(".m4s") else { return nil }
        let numbers = rest.dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
        switch numbers.count {
        case 1: return Self.number(numbers[0]).map { .segment($0) }
        case 2:
            guard let sequence = Self.number(numbers[0]), let part = Self.number(numbers[1]) else { return nil }
            return .part(sequence, part)
        default: return nil
        }
    }

    /// A number as the packager writes it in a name: decimal digits only, so "-4", "+4" and " 4"
    /// name nothing (a negative part index once reached an array subscript: found by the hlsquery
    /// fuzzer).
    static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    // MARK: - Delivery

    /// The playlist, or nil while no segment is complete yet.
    public func playlist() -> LowLatencyPlaylist? {
        state.withLock { state -> LowLatencyPlaylist? in
            if let cached = state.cachedPlaylist { return cached }
            guard let playlist = makePlaylist(state) else { return nil }
            state.cachedPlaylist = playlist
            return playlist
        }
    }

    /// Made once per change, rendered at once (full and delta): every held request woken by the
    /// same part is answered from these.
    private func makePlaylist(_ state: State) -> LowLatencyPlaylist? {
        guard let target = state.window.targetDuration, let partTarget = state.partTarget, !state.window.segments.isEmpty else { return nil }
        let discontinuitySequence = state.window.discontinuitySequence
        let listed = state.window.listed(windowSegments(state))
        var segments: [LowLatencyPlaylist.Segment] = []
        let all = Array(listed) + (state.current.map { [$0] } ?? [])
        // Parts are listed for the segments within three target durations of the end.
        var fromEnd: Int64 = 0
        var listParts = Set<Int>()
        for segment in all.reversed() {
            if fromEnd <= Int64(3 * target) * AccessUnit.clockRate { listParts.insert(segment.sequence) }
            fromEnd += segment.ticks
        }
        for segment in all {
            let complete = segment.sequence != state.current?.sequence
            segments.append(LowLatencyPlaylist.Segment(
                sequence: segment.sequence, uri: complete ? segmentName(segment.sequence) : nil,
                duration: segment.duration, discontinuity: segment.discontinuity,
                programDateTime: segment.started, mapURI: mapName(segment.mapIndex),
                parts: listParts.contains(segment.sequence) ? segment.parts.map {
                    .init(uri: partName(segment.sequence, $0.index), duration: Double($0.duration) / Double(AccessUnit.clockRate),
                          independent: $0.independent)
                } : []))
        }
        var hint: String?
        if let current = state.current {
            hint = partName(current.sequence, current.parts.count)
        } else if state.muxer != nil, let last = state.window.segments.last {
            hint = partName(last.sequence + 1, 0)
        }
        return LowLatencyPlaylist(targetDuration: target, partTarget: Double(partTarget) / Double(AccessUnit.clockRate),
                                  mediaSequence: listed.first?.sequence ?? 0, discontinuitySequence: discontinuitySequence,
                                  segments: segments, preloadHint: hint, ended: state.ended).withTemplates()
    }

    /// What the multivariant playlist says of this packager's stream, or nil while no segment is
    /// complete yet. Version 6: fMP4 with EXT-X-MAP.
    public func multivariant() -> MultivariantPlaylist? {
        state.withLock { MultivariantPlaylist(tracks: $0.tracks, codecs: $0.codecs, window: $0.window, version: 6) }
    }

    /// The bytes of a segment (its parts joined), a part, or an init section.
    public func data(for resource: Resource) -> [UInt8]? {
        state.withLock { state in
            switch resource {
            case .map(let index):
                return state.maps[index]
            case .segment(let sequence):
                return state.window.segments.first { $0.sequence == sequence }.map { $0.parts.flatMap(\.data) }
            case .part(let sequence, let index):
                let segment = state.window.segments.first { $0.sequence == sequence } ?? (state.current?.sequence == sequence ? state.current : nil)
                guard let segment, index >= 0, index < segment.parts.count else { return nil }
                return segment.parts[index].data
            }
        }
    }

    /// How far the packager has got, copied out of its state once so held requests can be checked
    /// against it without taking the lock per request.
    struct Progress: Sendable {
        var ended: Bool
        var lastComplete: Int?
        var current: (sequence: Int, parts: Int)?
        var startable: Bool

        init(_ state: State, listed: Int) {
            ended = state.ended
            lastComplete = state.window.segments.last?.sequence
            current = state.current.map { ($0.sequence, $0.parts.count) }
            // No more media is coming for now (the camera left): nothing to hold a playlist for.
            startable = state.window.canStartThreeTargetsBack(listed: listed) || (state.muxer == nil && lastComplete != nil)
        }

        func reached(_ target: WaitTarget) -> Bool {
            if ended { return true }
            if target.startable { return startable }
            if let lastComplete, lastComplete >= target.sequence { return true }
            if let current {
                if current.sequence > target.sequence { return true }
                if current.sequence == target.sequence, let part = target.part, current.parts > part { return true }
            }
            return false
        }
    }

    /// Waits until segment `sequence` is complete, or (with `part`) that part of it exists.
    /// Returns false after `timeout`.
    public func waitFor(sequence: Int, part: Int?, timeout: Duration) async -> Bool {
        await waiters.wait(for: WaitTarget(sequence: sequence, part: part), timeout: timeout) { [self] target in
            state.withLock { Progress($0, listed: windowSegments($0)) }.reached(target)
        }
    }

    /// Waits for the first complete segment (a packager started on demand backfills at once).
    public func waitForPlaylist(timeout: Duration) async -> Bool {
        await waitFor(sequence: state.withLock { $0.window.segments.last?.sequence ?? $0.current?.sequence ?? 0 }, part: nil, timeout: timeout)
    }

    /// Waits until the complete segments listed cover three target durations (or the stream ended),
    /// at most `timeout`; see `ClassicHLSPackager.waitForStartablePlaylist`.
    public func waitForStartablePlaylist(timeout: Duration) async -> Bool {
        await waiters.wait(for: WaitTarget(sequence: 0, part: nil, startable: true), timeout: timeout) { [self] target in
            state.withLock { Progress($0, listed: windowSegments($0)) }.reached(target)
        }
    }

    public var waitingRequests: Int { waiters.count }

    private func wakeWaiters() {
        // One snapshot for all held requests: thousands may wait on the same part.
        let progress = state.withLock { Progress($0, listed: windowSegments($0)) }
        waiters.wake { progress.reached($0) }
    }
}
