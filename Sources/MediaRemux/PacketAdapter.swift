import Logging
import MediaTypes

/// Turns a libavformat demuxer's packets (an RTSP camera's) into the tracks and access units the
/// MPEG-TS intake produces, so a path cannot tell the sources apart:
/// - video in Annex B with its parameter sets before every keyframe: sets found only in the SDP
///   or the extradata (Annex B, or an avcC/hvcC record whose packets are length-prefixed) are
///   inserted, and the track's extradata holds them;
/// - AAC as ADTS frames with a two-byte AudioSpecificConfig as the track's extradata, whether it
///   came raw (RFC 3640, RFC 6416 unpacked by libavformat), as LOAS/LATM or already in ADTS;
/// - timestamps on the 90 kHz clock from each stream's time base; video decode times rebuilt from
///   presentation times (`DecodeTimestamps`), since RTP carries no DTS;
/// - the same `TimelineGuard` as the MPEG-TS intake, and the parameter sets vetted by libavcodec
///   (`ParameterSetCheck`) before the tracks are published;
/// - H.264, H.265 and AAC kept; audio HLS cannot carry (G.711, G.726, Opus, ...) and any second
///   video or audio stream dropped, counted, with a reason an operator can read.
///
/// Tracks are published at the first video keyframe whose parameter sets are known and accepted;
/// nothing before it is kept (no segment could start there). Pure apart from libavcodec's check:
/// values in, events out, no I/O, so it can be unit-tested and fuzzed. Not thread-safe: one
/// source, one thread.
public final class PacketAdapter {
    /// One stream as the demuxer describes it.
    public struct Stream: Sendable, Equatable {
        public enum Content: Sendable, Equatable {
            /// H.264 or H.265.
            case video(Codec)
            /// AAC: raw frames with an AudioSpecificConfig as extradata, or ADTS frames.
            case aac
            /// AAC in LOAS/LATM (MPEG-TS stream type 0x11).
            case latm
            /// A stream HLS here cannot carry, with the reason in words.
            case unsupported(String)
            /// Not media (data, subtitles): left out without a word.
            case ignored
        }

        public var index: Int
        public var content: Content
        /// libavcodec's name for the codec ("h264", "pcm_alaw"), for logs and reports.
        public var codecName: String
        public var timeBaseNumerator: Int32
        public var timeBaseDenominator: Int32
        public var extradata: [UInt8]
        public var sampleRate: Int?
        public var channels: Int?

        public init(index: Int, content: Content, codecName: String, timeBase: (Int32, Int32), extradata: [UInt8] = [],
                    sampleRate: Int? = nil, channels: Int? = nil) {
            self.index = index
            self.content = content
            self.codecName = codecName
            timeBaseNumerator = timeBase.0
            timeBaseDenominator = timeBase.1
            self.extradata = extradata
            self.sampleRate = sampleRate
            self.channels = channels
        }
    }

    /// One demuxed packet, timestamps in its stream's time base.
    public struct Packet: Sendable {
        public var stream: Int
        public var pts: Int64?
        public var dts: Int64?
        public var data: [UInt8]

        public init(stream: Int, pts: Int64?, dts: Int64? = nil, data: [UInt8]) {
            self.stream = stream
            self.pts = pts
            self.dts = dts
            self.data = data
        }
    }

    /// A stream left out, why, and how many of its packets were dropped.
    public struct DroppedStream: Sendable, Equatable, CustomStringConvertible {
        public var stream: Int
        public var codecName: String
        public var reason: String
        public var packets: Int

        public var description: String { "stream \(stream) (\(codecName)): \(reason)" }
    }

    private struct Video {
        var stream: Stream
        var codec: Codec
        var parameterSets: [UInt8] = []
        /// Set when the extradata is an avcC/hvcC record: packets are length-prefixed.
        var lengthSize: Int?
        var decodeTimes = DecodeTimestamps(depth: 0)
        var lastDTS: Int64?
        var frameInterval: Int64?
    }

    private struct Audio {
        var stream: Stream
        var latm: LATMParser?
        var config: AudioSpecificConfig?
        var lastPTS: Int64?
    }

    public private(set) var dropped: [DroppedStream] = []
    private var droppedIndex: [Int: Int] = [:]
    private var video: Video?
    private var audio: Audio?
    /// Stream index → published track index, once published.
    private var published: [Int: Int]?
    private var publishedTracks: [Track] = []
    private var timeline = TimelineGate()
    private let logger: Logger

    /// Units before the tracks were published (before the first usable keyframe).
    public private(set) var unitsBeforeTracks = 0
    /// Units dropped because their DTS did not go forward (`TimelineGuard`, `DecodeTimestamps`).
    public var staleUnitsDropped: Int { timeline.staleUnitsDropped }
    /// New timelines inside this connection, each republished as the same tracks.
    public var timelineJumps: Int { timeline.timelineJumps }
    /// Packets that could not be used: no timestamp, a length prefix past the end, an AAC frame
    /// too long for ADTS, LATM that did not parse.
    public private(set) var damagedPackets = 0
    /// Why the tracks are not published yet, when a keyframe came and could not start them.
    public private(set) var refusal: String?

    public init(streams: [Stream], logger: Logger) {
        self.logger = logger
        for stream in streams {
            switch stream.content {
            case .video(let codec):
                guard codec.isVideo else {
                    drop(stream, "\(codec) is not a video codec")
                    continue
                }
                guard video == nil else {
                    drop(stream, "a second video stream (only the first is carried)")
                    continue
                }
                var state = Video(stream: stream, codec: codec)
                if !stream.extradata.isEmpty {
                    if let configuration = AnnexB.configuration(stream.extradata, codec: codec) {
                        state.parameterSets = AnnexB.parameterSets(in: configuration.parameterSets, codec: codec)
                        state.lengthSize = configuration.lengthSize
                    } else {
                        logger.notice("video codec configuration not understood; waiting for parameter sets in band",
                                      metadata: ["stream": "\(stream.index)", "bytes": "\(stream.extradata.count)"])
                    }
                }
                video = state
            case .aac, .latm:
                guard audio == nil else {
                    drop(stream, "a second audio stream (only the first is carried)")
                    continue
                }
                var state = Audio(stream: stream)
                if stream.content == .latm {
                    state.latm = LATMParser()
                } else if !stream.extradata.isEmpty {
                    do {
                        state.config = try AudioSpecificConfig.parse(stream.extradata)
                    } catch {
                        drop(stream, error.description)
                        continue
                    }
                }
                audio = state
            case .unsupported(let reason):
                drop(stream, reason)
            case .ignored:
                break
            }
        }
    }

    /// Whether a video stream FieldRelay can carry is among the streams (without one, no segment
    /// can ever start: the source reports "no video").
    public var hasVideo: Bool { video != nil }

    /// Whether the tracks have been published.
    public var isPublished: Bool { published != nil }

    private func drop(_ stream: Stream, _ reason: String) {
        droppedIndex[stream.index] = dropped.count
        dropped.append(DroppedStream(stream: stream.index, codecName: stream.codecName, reason: reason, packets: 0))
    }

    public func push(_ packet: Packet, arrival: UInt64, emit: (TransportStreamReader.Event) -> Void) {
        if let index = droppedIndex[packet.stream] {
            dropped[index].packets += 1
        } else if packet.stream == video?.stream.index {
            pushVideo(packet, arrival: arrival, emit: emit)
        } else if packet.stream == audio?.stream.index {
            pushAudio(packet, arrival: arrival, emit: emit)
        }
    }

    // MARK: - Video

    private func pushVideo(_ packet: Packet, arrival: UInt64, emit: (TransportStreamReader.Event) -> Void) {
        guard var state = video else { return }
        defer { video = state }
        guard let raw = packet.pts ?? packet.dts,
              let pts = Self.to90kHz(raw, state.stream.timeBaseNumerator, state.stream.timeBaseDenominator) else {
            damagedPackets += 1
            return
        }
        var data = packet.data
        if let lengthSize = state.lengthSize {
            if let converted = AnnexB.fromLengthPrefixed(data, lengthSize: lengthSize) {
                data = converted
            } else if !AnnexB.hasStartCode(data) {
                damagedPackets += 1
                return
            }
        }
        let summary = data.withUnsafeBytes { NALUnitScanner.scan($0, codec: state.codec) }
        if summary.isKeyframe {
            if AnnexB.isComplete(summary.parameterSets, codec: state.codec) {
                // In band: the camera's latest, used for the keyframes that come without.
                state.parameterSets = summary.parameterSets
            } else if !state.parameterSets.isEmpty {
                data = AnnexB.inserting(state.parameterSets, into: data, codec: state.codec)
            }
        }
        if published == nil {
            guard summary.isKeyframe, publish(&state, emit: emit) else {
                unitsBeforeTracks += 1
                return
            }
        }
        guard let dts = state.decodeTimes.decodeTime(presentation: pts) else {
            timeline.countStale()
            return
        }
        if let last = state.lastDTS, dts > last, dts - last < AccessUnit.clockRate {
            state.frameInterval = dts - last
        }
        state.lastDTS = dts
        let unit = AccessUnit(track: state.stream.index, pts: pts, dts: dts, duration: state.frameInterval ?? 3000,
                              isKeyframe: summary.isKeyframe, data: data, arrival: arrival)
        emitMapped(unit, emit: emit)
    }

    /// Publishes the tracks at the first keyframe whose parameter sets are complete, readable and
    /// accepted by libavcodec. Returns false (with `refusal` set) otherwise.
    private func publish(_ state: inout Video, emit: (TransportStreamReader.Event) -> Void) -> Bool {
        let codec = state.codec
        guard AnnexB.isComplete(state.parameterSets, codec: codec) else {
            note("a keyframe without \(codec == .h264 ? "SPS and PPS" : "VPS, SPS and PPS"), in band or in the SDP")
            return false
        }
        guard let sps = AnnexB.firstSPS(in: state.parameterSets, codec: codec),
              let parsed = SequenceParameterSet.parse(sps, codec: codec) else {
            note("the \(codec) sequence parameter set could not be read")
            return false
        }
        var tracks = [Track(index: 0, codec: codec, pid: state.stream.index, width: parsed.width, height: parsed.height,
                            extradata: state.parameterSets)]
        do {
            try ParameterSetCheck.verify(tracks[0])
        } catch {
            note(error.message)
            return false
        }
        var map = [state.stream.index: 0]
        if let audio, let config = audio.config {
            map[audio.stream.index] = 1
            tracks.append(Track(index: 1, codec: .aac, pid: audio.stream.index, sampleRate: config.sampleRate,
                                channels: config.channels, extradata: config.coreConfiguration))
        } else if let audio {
            logger.notice("audio left out: its configuration was not known at the first keyframe",
                          metadata: ["stream": "\(audio.stream.index)", "codec": "\(audio.stream.codecName)"])
        }
        // A depth the SPS does not state (H.264 without bitstream_restriction): four pictures
        // covers the encoders met; a deeper one widens the window when it shows.
        state.decodeTimes = DecodeTimestamps(depth: parsed.reorderDepth ?? 4)
        refusal = nil
        published = map
        publishedTracks = tracks
        timeline.restart(primary: 0)
        emit(.tracks(tracks))
        return true
    }

    private func note(_ reason: String) {
        if refusal != reason {
            logger.warning("keyframe cannot start the stream", metadata: ["reason": "\(reason)"])
        }
        refusal = reason
    }

    // MARK: - Audio

    private func pushAudio(_ packet: Packet, arrival: UInt64, emit: (TransportStreamReader.Event) -> Void) {
        guard var state = audio else { return }
        defer { audio = state }
        var frames: [[UInt8]] = []
        if var parser = state.latm {
            let before = parser.refused
            frames = parser.frames(in: packet.data).compactMap { raw in frame(raw, config: parser.configuration) }
            if parser.refused > before { damagedPackets += 1 }
            state.latm = parser
            if state.config == nil { state.config = parser.configuration }
        } else if let adts = Self.adtsFrames(packet.data) {
            // Already ADTS (AAC out of MPEG-TS carried over RTP, say): as it is.
            frames = adts.frames
            let header = adts.first
            if state.config == nil {
                state.config = AudioSpecificConfig(objectType: header.objectType, sampleRateIndex: header.sampleRateIndex,
                                                   channelConfiguration: header.channelConfiguration)
            }
        } else if let config = state.config {
            if let framed = frame(packet.data, config: config) { frames = [framed] } else { damagedPackets += 1 }
        } else {
            damagedPackets += 1
        }
        guard !frames.isEmpty, let config = state.config else { return }
        guard let map = published, let track = map[state.stream.index] else {
            unitsBeforeTracks += frames.count
            return
        }
        let duration = Int64(config.samplesPerFrame) * AccessUnit.clockRate / Int64(config.sampleRate)
        var pts: Int64
        if let raw = packet.pts, let converted = Self.to90kHz(raw, state.stream.timeBaseNumerator, state.stream.timeBaseDenominator) {
            pts = converted
            // Several frames of one RTP packet share its timestamp (RFC 3640 3.2.3.1): each
            // follows the last.
            if let last = state.lastPTS, pts <= last, last - pts < AccessUnit.clockRate { pts = last + duration }
        } else if let last = state.lastPTS {
            pts = last + duration
        } else {
            damagedPackets += 1
            return
        }
        for frame in frames {
            state.lastPTS = pts
            emitMapped(AccessUnit(track: track, pts: pts, dts: pts, duration: duration, isKeyframe: true, data: frame, arrival: arrival),
                       emit: emit, mapped: true)
            pts += duration
        }
    }

    /// The ADTS frames `data` consists of, exactly, with the first header; nil when it is not a
    /// chain of whole ADTS frames (then it is a raw frame, which can begin with any bits).
    static func adtsFrames(_ data: [UInt8]) -> (frames: [[UInt8]], first: ADTSHeader)? {
        guard let first = ADTSHeader(data) else { return nil }
        var frames: [[UInt8]] = []
        var offset = 0
        while offset < data.count {
            guard let header = ADTSHeader(data[offset...]), header.frameLength <= data.count - offset else { return nil }
            frames.append(Array(data[offset..<(offset + header.frameLength)]))
            offset += header.frameLength
        }
        return (frames, first)
    }

    /// A raw AAC frame behind an ADTS header of `config`.
    private func frame(_ raw: [UInt8], config: AudioSpecificConfig?) -> [UInt8]? {
        guard let config, !raw.isEmpty, let header = config.adtsHeader(payloadLength: raw.count) else { return nil }
        return header + raw
    }

    // MARK: - Out

    private func emitMapped(_ unit: AccessUnit, emit: (TransportStreamReader.Event) -> Void, mapped: Bool = false) {
        var unit = unit
        if !mapped {
            guard let target = published?[unit.track] else { return }
            unit.track = target
        }
        switch timeline.admit(track: unit.track, dts: unit.dts, source: "camera", logger: logger) {
        case .pass: break
        case .drop: return
        case .republish: emit(.tracks(publishedTracks))
        }
        emit(.accessUnit(unit))
    }

    /// `value` in a `numerator/denominator` time base on the 90 kHz clock, rounded to the nearest
    /// tick (halves away from zero, as av_rescale_q); nil for a time base that is not positive or
    /// a result outside Int64.
    public static func to90kHz(_ value: Int64, _ numerator: Int32, _ denominator: Int32) -> Int64? {
        guard numerator > 0, denominator > 0 else { return nil }
        if numerator == 1, denominator == 90_000 { return value }
        let scaled = Int128(value) * Int128(numerator) * Int128(AccessUnit.clockRate)
        let divisor = Int128(denominator)
        let rounded = scaled >= 0 ? (scaled + divisor / 2) / divisor : -((-scaled + divisor / 2) / divisor)
        guard rounded >= Int128(Int64.min), rounded <= Int128(Int64.max) else { return nil }
        return Int64(rounded)
    }
}
