import Logging
import MediaTypes

/// The intake of one publisher connection: MPEG-TS bytes in, tracks and access units out, with
/// timestamps unwrapped past the 33-bit wrap (about every 26.5 hours) and keyframes marked.
/// Not thread-safe: one connection, one receive loop.
public final class TransportStreamReader {
    public enum Event: Sendable {
        case tracks([Track])
        case accessUnit(AccessUnit)
    }

    /// Bytes accepted without finding a program before the input is declared not MPEG-TS.
    public static let programSearchLimit = 1_000_000

    /// How long after a program map the reader waits for every announced track to show its codec
    /// parameters before it goes on with the tracks that did (a camera may announce audio it never sends).
    public static let trackReadinessTimeout: UInt64 = 3_000_000_000

    private let demuxer = TransportStreamDemuxer()
    private var parsers: [Int: (index: Int, parser: ElementaryStreamParser)] = [:]
    /// The tracks the program map announced, with what the parsers learned about them.
    private var tracks: [Track] = []
    private var ready: Set<Int> = []
    /// Announced track index → published index, once the tracks are published.
    private var published: [Int: Int]?
    private var programArrival: UInt64 = 0
    /// Units that arrived while tracks were still being learned, from the first video keyframe on,
    /// so the first segment does not lose its first GOP. Bounded.
    private var held: [AccessUnit] = []
    static let heldLimit = 1500
    public private(set) var unitsBeforeTracks = 0
    /// Units dropped because their DTS did not go forward (`TimelineGuard`).
    public var staleUnitsDropped: Int { timeline.staleUnitsDropped }
    /// New timelines inside this connection (timestamps jumped), each republished as the same tracks.
    public var timelineJumps: Int { timeline.timelineJumps }
    private var timeline = TimelineGate()
    private var publishedTracks: [Track] = []
    private var clocks: [Int: TimestampUnwrapper] = [:]
    private var lastVideoDTS: [Int: Int64] = [:]
    private var frameInterval: [Int: Int64] = [:]
    private var nextAudioPTS: [Int: Int64] = [:]
    private var bytesSeen = 0
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public var continuityErrors: Int { demuxer.continuityErrors }
    public var syncLosses: Int { demuxer.syncLosses }
    public var bytesDiscarded: Int { demuxer.bytesDiscarded }

    /// Feeds received bytes. Throws `.notTransportStream` when no program appeared in the first
    /// `programSearchLimit` bytes, so the caller can drop a publisher that sends garbage.
    public func feed(_ bytes: UnsafeRawBufferPointer, arrival: UInt64, emit: (Event) -> Void) throws(MediaError) {
        bytesSeen += bytes.count
        demuxer.feed(bytes) { event in handle(event, arrival: arrival, emit: emit) }
        if !demuxer.hasProgram && bytesSeen > Self.programSearchLimit {
            throw MediaError(.notTransportStream,
                             "no MPEG-TS program in the first \(bytesSeen) bytes (\(demuxer.bytesDiscarded) bytes out of sync, \(demuxer.crcErrors) bad CRCs)")
        }
    }

    public func flush(arrival: UInt64, emit: (Event) -> Void) {
        demuxer.flush { event in handle(event, arrival: arrival, emit: emit) }
    }

    private func handle(_ event: TransportStreamDemuxer.Event, arrival: UInt64, emit: (Event) -> Void) {
        switch event {
        case .program(let streams):
            var newTracks: [Track] = []
            var newParsers: [Int: (Int, ElementaryStreamParser)] = [:]
            for stream in streams {
                do {
                    let parser = try ElementaryStreamParser(codec: stream.codec)
                    newParsers[stream.pid] = (newTracks.count, parser)
                    newTracks.append(Track(index: newTracks.count, codec: stream.codec, pid: stream.pid))
                } catch {
                    logger.warning("elementary stream skipped", metadata: ["pid": "\(stream.pid)", "error": "\(error)"])
                }
            }
            if !demuxer.unsupportedStreamTypes.isEmpty {
                logger.notice("streams FieldRelay cannot remux are ignored",
                              metadata: ["streamTypes": "\(demuxer.unsupportedStreamTypes.sorted().map { "0x" + String($0, radix: 16) })"])
            }
            parsers = newParsers
            tracks = newTracks
            ready = []
            published = nil
            held = []
            programArrival = arrival
            clocks = [:]
            lastVideoDTS = [:]
            frameInterval = [:]
            nextAudioPTS = [:]
            if newTracks.isEmpty { publishTracks(emit: emit) }
        case .packet(let packet):
            guard let (index, parser) = parsers[packet.pid] else { return }
            for frame in parser.parse(packet.payload, pts: packet.pts, dts: packet.dts) {
                guard let unit = accessUnit(frame, track: index, parser: parser, arrival: arrival) else { continue }
                if published == nil {
                    // Muxers need each track's parameters (an audio sample rate, say) before the first
                    // segment: tracks are published once every one is known, or after a timeout.
                    if isReady(tracks[index], unit: unit) { ready.insert(index) }
                    hold(unit)
                    if ready.count == tracks.count || (!ready.isEmpty && arrival &- programArrival >= Self.trackReadinessTimeout) {
                        publishTracks(emit: emit)
                        let waiting = held
                        held = []
                        for unit in waiting { emitMapped(unit, emit: emit) }
                    }
                    continue
                }
                emitMapped(unit, emit: emit)
            }
        }
    }

    private func hold(_ unit: AccessUnit) {
        let hasVideo = tracks.contains { $0.codec.isVideo }
        // Nothing before the first video keyframe is worth keeping: no segment can start there.
        if hasVideo && held.isEmpty && !(tracks[unit.track].codec.isVideo && unit.isKeyframe) {
            unitsBeforeTracks += 1
            return
        }
        if held.count >= Self.heldLimit {
            held.removeFirst()
            unitsBeforeTracks += 1
        }
        held.append(unit)
    }

    private func emitMapped(_ unit: AccessUnit, emit: (Event) -> Void) {
        guard let target = published?[unit.track] else {
            unitsBeforeTracks += 1
            return
        }
        var unit = unit
        unit.track = target
        switch timeline.admit(track: target, dts: unit.dts, source: "publisher", logger: logger) {
        case .pass: break
        case .drop: return
        case .republish: emit(.tracks(publishedTracks))
        }
        emit(.accessUnit(unit))
    }

    private func isReady(_ track: Track, unit: AccessUnit) -> Bool {
        track.codec.isVideo ? unit.isKeyframe : track.sampleRate != nil
    }

    private func publishTracks(emit: (Event) -> Void) {
        var map: [Int: Int] = [:]
        var list: [Track] = []
        for track in tracks where ready.contains(track.index) {
            var copy = track
            copy.index = list.count
            map[track.index] = list.count
            list.append(copy)
        }
        let missing = tracks.filter { !ready.contains($0.index) }
        if !missing.isEmpty {
            logger.warning("tracks announced but silent are left out", metadata: ["tracks": "\(missing.map(\.description))"])
        }
        published = map
        publishedTracks = list
        timeline.restart(primary: list.first { $0.codec.isVideo }?.index ?? list.first?.index)
        emit(.tracks(list))
    }

    private func accessUnit(_ frame: ElementaryStreamParser.Frame, track index: Int, parser: ElementaryStreamParser,
                            arrival: UInt64) -> AccessUnit? {
        let codec = parser.codec
        var pts: Int64
        var dts: Int64
        if let rawPTS = frame.pts {
            var clock = clocks[index] ?? TimestampUnwrapper()
            let rawDTS = frame.dts ?? rawPTS
            dts = clock.unwrap(rawDTS)
            pts = dts + TimestampUnwrapper.signedDelta(from: rawDTS, to: rawPTS)
            clocks[index] = clock
        } else if codec.isAudio, let predicted = nextAudioPTS[index] {
            // Later frames of a multi-frame audio PES: the PES timestamp belongs to the first.
            pts = predicted
            dts = predicted
        } else {
            return nil  // no timestamp to place it by yet
        }
        var duration = frame.duration ?? 0
        var isKeyframe = true
        if codec.isVideo {
            let summary = frame.data.withUnsafeBytes { NALUnitScanner.scan($0, codec: codec) }
            isKeyframe = summary.isKeyframe
            if let last = lastVideoDTS[index], dts > last, dts - last < AccessUnit.clockRate {
                frameInterval[index] = dts - last
            }
            lastVideoDTS[index] = dts
            duration = frameInterval[index] ?? 3000
            if summary.isKeyframe {
                refreshTrack(index, parser: parser, parameterSets: summary.parameterSets)
            }
        } else {
            nextAudioPTS[index] = pts + duration
            if tracks[index].sampleRate == nil { refreshTrack(index, parser: parser, parameterSets: []) }
        }
        return AccessUnit(track: index, pts: pts, dts: dts, duration: duration, isKeyframe: isKeyframe,
                          data: frame.data, arrival: arrival)
    }

    private func refreshTrack(_ index: Int, parser: ElementaryStreamParser, parameterSets: [UInt8]) {
        var track = tracks[index]
        track.width = parser.width ?? track.width
        track.height = parser.height ?? track.height
        track.sampleRate = parser.sampleRate ?? track.sampleRate
        track.channels = parser.channels ?? track.channels
        if !parameterSets.isEmpty { track.extradata = parameterSets }
        if track.codec == .aac, let config = parser.audioSpecificConfig { track.extradata = config }
        tracks[index] = track
    }
}

/// Turns 33-bit MPEG timestamps into a continuous 64-bit timeline.
struct TimestampUnwrapper {
    static let wrap: Int64 = 1 << 33
    private var last: Int64?
    private var unwrapped: Int64 = 0

    mutating func unwrap(_ raw: Int64) -> Int64 {
        guard let last else {
            self.last = raw
            unwrapped = raw
            return raw
        }
        unwrapped += Self.signedDelta(from: last, to: raw)
        self.last = raw
        return unwrapped
    }

    /// The difference of two 33-bit timestamps, taking the shorter way round the wrap.
    static func signedDelta(from a: Int64, to b: Int64) -> Int64 {
        var delta = (b - a) % wrap
        if delta >= wrap / 2 { delta -= wrap }
        if delta < -wrap / 2 { delta += wrap }
        return delta
    }
}
