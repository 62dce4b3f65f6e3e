import Foundation
import Logging
import MediaTypes
import Testing
import TestSupport
@testable import MediaRemux

/// Bits written most-significant first, for hand-made AudioSpecificConfigs and LATM frames.
struct BitWriter {
    var bytes: [UInt8] = []
    var count = 0

    mutating func write(_ value: Int, _ bits: Int) {
        for shift in stride(from: bits - 1, through: 0, by: -1) {
            if count % 8 == 0 { bytes.append(0) }
            if (value >> shift) & 1 == 1 { bytes[bytes.count - 1] |= UInt8(0x80 >> (count % 8)) }
            count += 1
        }
    }
}

/// NAL units of an Annex B access unit without the given types (H.264 types: 7 SPS, 8 PPS, 9 AUD).
func strippingNALs(_ unit: [UInt8], types: Set<UInt8>) -> [UInt8] {
    var out: [UInt8] = []
    for nal in CodecString.nalUnits(unit) where !types.contains(nal[0] & 0x1F) {
        out += [0, 0, 0, 1] + nal
    }
    return out
}

/// Annex B as 4-byte length-prefixed NAL units (MP4's form).
func lengthPrefixed(_ unit: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    for nal in CodecString.nalUnits(unit) {
        let length = UInt32(nal.count)
        out += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + nal
    }
    return out
}

/// Runs packets through an adapter and collects its events.
func adapt(_ streams: [PacketAdapter.Stream], _ packets: [PacketAdapter.Packet]) -> (tracks: [[Track]], units: [AccessUnit], adapter: PacketAdapter) {
    let adapter = PacketAdapter(streams: streams, logger: Logger(label: "test"))
    var tracks: [[Track]] = []
    var units: [AccessUnit] = []
    for (index, packet) in packets.enumerated() {
        adapter.push(packet, arrival: UInt64(index + 1)) { event in
            switch event {
            case .tracks(let list): tracks.append(list)
            case .accessUnit(let unit): units.append(unit)
            }
        }
    }
    return (tracks, units, adapter)
}

@Suite("RTSP packets to access units: parameter sets, AAC framing, time bases")
struct PacketAdapterTests {
    /// H.264 access units of an ffmpeg-made clip as the MPEG-TS intake sees them, and the SPS/PPS.
    func h264Clip(preset: String = "ultrafast") async throws -> (units: [AccessUnit], parameterSets: [UInt8]) {
        let clip = try await Clips.make(.init(video: .h264, audio: false, seconds: 3, keyframeSeconds: 1, preset: preset))
        let (tracks, units, _) = try demux(try [UInt8](Data(contentsOf: clip)))
        let parameterSets = try #require(tracks.first?.first?.extradata)
        return (units, parameterSets)
    }

    @Test("avcC extradata, length-prefixed packets without parameter sets: Annex B out, SPS and PPS before every keyframe")
    func avcCToAnnexB() async throws {
        let (units, parameterSets) = try await h264Clip()
        let nals = CodecString.nalUnits(parameterSets)
        let sps = try #require(nals.first { $0[0] & 0x1F == 7 })
        let pps = try #require(nals.first { $0[0] & 0x1F == 8 })
        // AVCDecoderConfigurationRecord: version, profile, compatibility, level, 4-byte lengths,
        // one SPS, one PPS.
        let avcC: [UInt8] = [1, sps[1], sps[2], sps[3], 0xFF, 0xE1, UInt8(sps.count >> 8), UInt8(sps.count & 0xFF)] + sps
            + [1, UInt8(pps.count >> 8), UInt8(pps.count & 0xFF)] + pps
        let stream = PacketAdapter.Stream(index: 0, content: .video(.h264), codecName: "h264", timeBase: (1, 90_000), extradata: avcC)
        let packets = units.map { unit in
            PacketAdapter.Packet(stream: 0, pts: unit.pts, data: lengthPrefixed(strippingNALs(unit.data, types: [7, 8, 9])))
        }
        let (tracks, out, adapter) = adapt([stream], packets)
        #expect(tracks.count == 1)
        let track = try #require(tracks.first?.first)
        #expect(track.codec == .h264 && track.width == 320 && track.height == 240)
        #expect(track.extradata == [0, 0, 0, 1] + sps + [0, 0, 0, 1] + pps)
        #expect(out.count == units.count)
        #expect(out.filter(\.isKeyframe).count == 3)
        for unit in out {
            #expect(unit.data.starts(with: [0, 0, 0, 1]))
            let types = CodecString.nalUnits(unit.data).map { $0[0] & 0x1F }
            if unit.isKeyframe {
                #expect(Array(types.prefix(2)) == [7, 8], "SPS and PPS lead every keyframe")
            } else {
                #expect(!types.contains(7) && !types.contains(8))
            }
        }
        #expect(adapter.staleUnitsDropped == 0 && adapter.damagedPackets == 0)
    }

    @Test("parameter sets only in the SDP (Annex B extradata): inserted after an access unit delimiter")
    func spropOnly() async throws {
        let (units, parameterSets) = try await h264Clip()
        let stream = PacketAdapter.Stream(index: 0, content: .video(.h264), codecName: "h264", timeBase: (1, 90_000),
                                          extradata: parameterSets)
        let delimiter: [UInt8] = [0, 0, 0, 1, 0x09, 0xF0]
        let packets = units.map { PacketAdapter.Packet(stream: 0, pts: $0.pts, data: delimiter + strippingNALs($0.data, types: [7, 8, 9])) }
        let (_, out, _) = adapt([stream], packets)
        let keyframe = try #require(out.first)
        #expect(keyframe.isKeyframe)
        #expect(CodecString.nalUnits(keyframe.data).map { $0[0] & 0x1F }.prefix(3) == [9, 7, 8])
    }

    @Test("no parameter sets anywhere: the tracks wait, and say why")
    func missingParameterSets() async throws {
        let (units, _) = try await h264Clip()
        let stream = PacketAdapter.Stream(index: 0, content: .video(.h264), codecName: "h264", timeBase: (1, 90_000))
        let packets = units.map { PacketAdapter.Packet(stream: 0, pts: $0.pts, data: strippingNALs($0.data, types: [7, 8])) }
        let (tracks, out, adapter) = adapt([stream], packets)
        #expect(tracks.isEmpty && out.isEmpty)
        #expect(adapter.refusal?.contains("SPS and PPS") == true)
        #expect(adapter.unitsBeforeTracks == units.count)
    }

    @Test("presentation times only (RTP), B-frames: decode times rebuilt, never after the PTS, always forward")
    func decodeTimesFromPresentation() async throws {
        let (units, parameterSets) = try await h264Clip(preset: "veryfast")
        #expect(units.contains { $0.pts != $0.dts }, "the clip has B-frames")
        let sps = try #require(CodecString.nalUnits(parameterSets).first { $0[0] & 0x1F == 7 })
        let parsed = try #require(SequenceParameterSet.parse(sps, codec: .h264))
        #expect(parsed.width == 320 && parsed.height == 240)
        #expect(parsed.reorderDepth == 2, "x264 veryfast: 3 B-frames, pyramid")
        let stream = PacketAdapter.Stream(index: 0, content: .video(.h264), codecName: "h264", timeBase: (1, 90_000), extradata: parameterSets)
        let (_, out, adapter) = adapt([stream], units.map { PacketAdapter.Packet(stream: 0, pts: $0.pts, data: $0.data) })
        #expect(out.count == units.count)
        #expect(adapter.staleUnitsDropped == 0)
        #expect(out.allSatisfy { $0.dts <= $0.pts })
        #expect(zip(out, out.dropFirst()).allSatisfy { $0.dts < $1.dts })
        #expect(out.map(\.pts) == units.map(\.pts))
    }

    @Test("decode times: the (i-K)-th smallest PTS; a deeper reordering than announced widens the window")
    func decodeTimestamps() {
        var rebuilt = DecodeTimestamps(depth: 1, step: 10)
        let decodeOrder: [Int64] = [0, 30, 10, 20, 60, 40, 50, 90, 70, 80]
        let times = decodeOrder.map { rebuilt.decodeTime(presentation: $0) }
        #expect(times == [-10, 0, 10, 20, 30, 40, 50, 60, 70, 80])
        // Announced 0, reordered 1: what cannot be placed before its PTS is dropped, the rest goes forward.
        var shallow = DecodeTimestamps(depth: 0, step: 10)
        let input: [Int64] = [0, 20, 10, 40, 30, 60, 50, 80, 70]
        let out = input.map { shallow.decodeTime(presentation: $0) }
        let placed = zip(input, out).compactMap { pts, dts in dts.map { (pts, $0) } }
        #expect(placed.allSatisfy { $0.1 <= $0.0 })
        #expect(zip(placed, placed.dropFirst()).allSatisfy { $0.1 < $1.1 })
        #expect(shallow.depth >= 1)
    }

    @Test("AudioSpecificConfig to ADTS: AAC-LC 48 kHz stereo, and HE-AAC's explicit signalling read through to its core")
    func adts() throws {
        let config = try AudioSpecificConfig.parse([0x11, 0x90])
        #expect(config == AudioSpecificConfig(objectType: 2, sampleRateIndex: 3, channelConfiguration: 2))
        #expect(config.sampleRate == 48000 && config.channels == 2)
        let header = try #require(config.adtsHeader(payloadLength: 100))
        let parsed = try #require(ADTSHeader(header))
        #expect(parsed.objectType == 2 && parsed.sampleRateIndex == 3 && parsed.channelConfiguration == 2)
        #expect(parsed.frameLength == 107)
        #expect(config.coreConfiguration == [0x11, 0x90])
        #expect(config.adtsHeader(payloadLength: 8185) == nil, "13-bit frame length")

        var bits = BitWriter()
        bits.write(5, 5); bits.write(6, 4); bits.write(2, 4)   // SBR, 24 kHz core, stereo
        bits.write(3, 4); bits.write(2, 5)                     // 48 kHz extension, AAC-LC core
        bits.write(0, 3)                                       // GASpecificConfig
        let heAAC = try AudioSpecificConfig.parse(bits.bytes)
        #expect(heAAC.objectType == 2 && heAAC.sampleRate == 24000 && heAAC.channels == 2)

        #expect(throws: AudioSpecificConfig.Refusal.self) { try AudioSpecificConfig.parse([0xB8, 0x10]) }   // ER AAC-LD (23)
        #expect(throws: AudioSpecificConfig.Refusal.self) { try AudioSpecificConfig.parse([0x11, 0x80]) }   // channels in a PCE
        #expect(throws: AudioSpecificConfig.Refusal.self) { try AudioSpecificConfig.parse([0x11]) }
    }

    @Test("raw AAC frames from RTP become ADTS frames; frames sharing one RTP timestamp follow each other")
    func rawAAC() async throws {
        let (units, parameterSets) = try await h264Clip()
        let streams = [
            PacketAdapter.Stream(index: 0, content: .video(.h264), codecName: "h264", timeBase: (1, 90_000), extradata: parameterSets),
            PacketAdapter.Stream(index: 1, content: .aac, codecName: "aac", timeBase: (1, 48_000), extradata: [0x11, 0x90],
                                 sampleRate: 48_000, channels: 2),
        ]
        let raw: [UInt8] = [0x21, 0x10, 0x05, 0x00, 0xA0, 0x19]
        let packets: [PacketAdapter.Packet] = [
            // Before the first video keyframe audio is not kept (no segment can start there).
            .init(stream: 1, pts: 0, data: raw),
            .init(stream: 0, pts: units[0].pts, data: units[0].data),
            .init(stream: 1, pts: 48_000, data: raw),
            .init(stream: 1, pts: 48_000, data: raw),     // the same RTP timestamp: the next frame
            .init(stream: 1, pts: 50_048, data: raw),
        ]
        let (tracks, out, adapter) = adapt(streams, packets)
        #expect(adapter.unitsBeforeTracks == 1)
        let audioTrack = try #require(tracks.first?.last)
        #expect(audioTrack.codec == .aac && audioTrack.sampleRate == 48_000 && audioTrack.channels == 2)
        #expect(audioTrack.extradata == [0x11, 0x90])
        let audio = out.filter { $0.track == 1 }
        #expect(audio.map(\.pts) == [90_000, 91_920, 93_840])
        #expect(audio.allSatisfy { $0.duration == 1920 && $0.isKeyframe })
        for unit in audio {
            let header = try #require(ADTSHeader(unit.data))
            #expect(header.frameLength == unit.data.count && unit.data.count == 7 + raw.count)
            #expect(Array(unit.data.suffix(raw.count)) == raw)
        }
        // ADTS as it came (AAC out of MPEG-TS over RTP) stays as it is, one unit a frame.
        let adtsHeader = try #require(AudioSpecificConfig(objectType: 2, sampleRateIndex: 3, channelConfiguration: 2)
            .adtsHeader(payloadLength: raw.count))
        let (_, passed, _) = adapt(streams, [.init(stream: 0, pts: units[0].pts, data: units[0].data),
                                             .init(stream: 1, pts: 48_000, data: (adtsHeader + raw) + (adtsHeader + raw))])
        #expect(passed.filter { $0.track == 1 }.map(\.data) == [adtsHeader + raw, adtsHeader + raw])
    }

    @Test("LATM (LOAS, StreamMuxConfig in band): raw frames and the configuration out")
    func latm() throws {
        var element = BitWriter()
        element.write(0, 1)                                    // useSameStreamMux = 0
        element.write(0, 1)                                    // audioMuxVersion 0
        element.write(1, 1)                                    // allStreamsSameTimeFraming
        element.write(0, 6); element.write(0, 4); element.write(0, 3)   // one sub-frame, program, layer
        element.write(2, 5); element.write(3, 4); element.write(2, 4)   // AAC-LC, 48 kHz, stereo
        element.write(0, 3)                                    // GASpecificConfig
        element.write(0, 3); element.write(0xFF, 8)            // frameLengthType 0, buffer fullness
        element.write(0, 1); element.write(0, 1)               // no other data, no CRC
        let payload: [UInt8] = Array(repeating: 0xAB, count: 300)
        element.write(255, 8); element.write(300 - 255, 8)     // PayloadLengthInfo: 255 + 45
        for byte in payload { element.write(Int(byte), 8) }
        let body = element.bytes
        let loas: [UInt8] = [0x56, UInt8(0xE0 | (body.count >> 8)), UInt8(body.count & 0xFF)] + body
        var parser = LATMParser()
        let frames = parser.frames(in: loas + loas)
        #expect(frames == [payload, payload])
        #expect(parser.configuration == AudioSpecificConfig(objectType: 2, sampleRateIndex: 3, channelConfiguration: 2))
        #expect(parser.refused == 0)
        // Cut short: refused, counted, no trap.
        var damaged = LATMParser()
        #expect(damaged.frames(in: Array(loas.prefix(20))).isEmpty)
        #expect(damaged.refused == 1)
    }

    @Test("time bases to 90 kHz: exact, rounded to the nearest tick, refused when out of range")
    func timeBases() {
        #expect(PacketAdapter.to90kHz(48_000, 1, 48_000) == 90_000)
        #expect(PacketAdapter.to90kHz(1, 1, 1000) == 90)
        #expect(PacketAdapter.to90kHz(1, 1, 44_100) == 2)          // 2.04
        #expect(PacketAdapter.to90kHz(1, 1, 60_000) == 2)          // 1.5 rounds away from zero
        #expect(PacketAdapter.to90kHz(-1, 1, 60_000) == -2)
        #expect(PacketAdapter.to90kHz(12_345, 1, 90_000) == 12_345)
        #expect(PacketAdapter.to90kHz(.max, 1, 8000) == nil)
        #expect(PacketAdapter.to90kHz(5, 0, 8000) == nil)
        #expect(PacketAdapter.to90kHz(5, 1, -8000) == nil)
    }

    @Test("G.711 audio is dropped and counted, with a reason an operator can read; video goes on")
    func unsupportedAudio() async throws {
        let (units, parameterSets) = try await h264Clip()
        let reason = "G.711 A-law (pcm_alaw) audio cannot be carried in HLS here (AAC only, never transcoded): left out, video only"
        let streams = [
            PacketAdapter.Stream(index: 0, content: .video(.h264), codecName: "h264", timeBase: (1, 90_000), extradata: parameterSets),
            PacketAdapter.Stream(index: 1, content: .unsupported(reason), codecName: "pcm_alaw", timeBase: (1, 8000)),
        ]
        var packets: [PacketAdapter.Packet] = []
        for unit in units {
            packets.append(.init(stream: 0, pts: unit.pts, data: unit.data))
            packets.append(.init(stream: 1, pts: unit.pts / 90_000 * 8000, data: Array(repeating: 0xD5, count: 160)))
        }
        let (tracks, out, adapter) = adapt(streams, packets)
        #expect(tracks.first?.map(\.codec) == [.h264])
        #expect(out.count == units.count)
        #expect(adapter.dropped == [PacketAdapter.DroppedStream(stream: 1, codecName: "pcm_alaw", reason: reason, packets: units.count)])
    }

    @Test("H.265 sequence parameter set: size and reorder depth")
    func hevcSPS() async throws {
        let clip = try await Clips.make(.init(video: .hevc, audio: false, seconds: 3, keyframeSeconds: 1))
        let (tracks, _, _) = try demux(try [UInt8](Data(contentsOf: clip)))
        let extradata = try #require(tracks.first?.first?.extradata)
        let sps = try #require(AnnexB.firstSPS(in: extradata, codec: .hevc))
        let parsed = try #require(SequenceParameterSet.parse(sps, codec: .hevc))
        #expect(parsed.width == 320 && parsed.height == 240)
        #expect(parsed.reorderDepth != nil)
        #expect(SequenceParameterSet.parse(Array(sps.prefix(8)), codec: .hevc) == nil)
        #expect(SequenceParameterSet.parse([0x67], codec: .h264) == nil)
    }

    @Test("credentials: percent-encoded into the URL for libavformat, masked in every log line")
    func credentials() {
        var configuration = RTSPSource.Configuration(url: "rtsp://old:gone@10.0.0.5:554/Streaming/Channels/101", username: "admin",
                                                     password: "p@ss:w/rd")
        #expect(configuration.urlWithCredentials() == "rtsp://admin:p%40ss%3Aw%2Frd@10.0.0.5:554/Streaming/Channels/101")
        #expect(configuration.displayURL == "rtsp://***@10.0.0.5:554/Streaming/Channels/101")
        configuration.username = nil
        configuration.url = "rtsp://10.0.0.5/live"
        #expect(configuration.urlWithCredentials() == "rtsp://10.0.0.5/live")
        #expect(RTSPSource.hostAndPort("rtsp://a:b@cam.local:8554/x?y") == "cam.local:8554")

        let line = "[tcp @ 0x55] Connection to rtsp://admin:p%40ss@10.0.0.5:554/x failed; Authorization: Basic YWRtaW46cEBzcw==\r\nCSeq: 3"
        let redacted = LogRedaction.redact(line, secrets: ["p@ss"])
        #expect(!redacted.contains("admin") && !redacted.contains("p%40ss") && !redacted.contains("YWRtaW46"))
        #expect(redacted.contains("rtsp://***@10.0.0.5:554/x") && redacted.contains("CSeq: 3"))
        #expect(LogRedaction.redact("the secret is p@ss, again p@ss", secrets: ["p@ss"]) == "the secret is ***, again ***")
        #expect(Base64.encode(Array("admin:p@ss".utf8)) == "YWRtaW46cEBzcw==")
        #expect(Base64.encode(Array("ab".utf8)) == "YWI=")
        let id = LogRedaction.register(["hunter2"])
        #expect(LogRedaction.redactRegistered("password hunter2") == "password ***")
        LogRedaction.unregister(id)
        #expect(LogRedaction.redactRegistered("password hunter2") == "password hunter2")
    }
}
