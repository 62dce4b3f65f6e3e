import Foundation
import Logging
import MediaTypes
import Testing
import TestSupport
@testable import MediaRemux

/// Runs a whole file through the intake in chunks of the given size, as SRT would deliver it.
func demux(_ bytes: [UInt8], chunk: Int = 1316) throws -> (tracks: [[Track]], units: [AccessUnit], reader: TransportStreamReader) {
    let reader = TransportStreamReader(logger: Logger(label: "test"))
    var tracks: [[Track]] = []
    var units: [AccessUnit] = []
    var offset = 0
    var arrival: UInt64 = 1
    while offset < bytes.count {
        let end = min(bytes.count, offset + chunk)
        try bytes[offset..<end].withUnsafeBytes { raw in
            try reader.feed(raw, arrival: arrival) { event in
                switch event {
                case .tracks(let list): tracks.append(list)
                case .accessUnit(let unit): units.append(unit)
                }
            }
        }
        // Arrival time as at 8 Mbit/s, so chunk size does not change the clock.
        arrival += UInt64(end - offset) * 1000
        offset = end
    }
    reader.flush(arrival: arrival) { event in
        if case .accessUnit(let unit) = event { units.append(unit) }
    }
    return (tracks, units, reader)
}

@Suite("MPEG-TS intake: own demuxer and libavcodec parsers")
struct TransportStreamReaderTests {
    @Test("H.264 + AAC from ffmpeg: tracks, keyframes every second, monotonic timestamps")
    func h264AndAAC() async throws {
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 4, keyframeSeconds: 1))
        let bytes = try [UInt8](Data(contentsOf: clip))
        let (tracks, units, reader) = try demux(bytes)
        #expect(tracks.count == 1)
        let list = try #require(tracks.first)
        #expect(list.map(\.codec) == [.h264, .aac])
        #expect(list[1].sampleRate == 48000)
        #expect(list[1].extradata?.count == 2, "AudioSpecificConfig from the ADTS header")
        let video = units.filter { $0.track == 0 }
        let audio = units.filter { $0.track == 1 }
        // 4 s at 25 fps; the parser may hold nothing back (complete frames).
        #expect(video.count == 100)
        #expect(video.first?.isKeyframe == true)
        #expect(video.filter(\.isKeyframe).count == 4)
        // AAC at 48 kHz: 1024 samples a frame, ~46.9 frames a second.
        #expect(audio.count >= 180 && audio.count <= 190)
        #expect(audio.allSatisfy { $0.duration == 1920 })
        #expect(zip(video, video.dropFirst()).allSatisfy { $0.dts < $1.dts })
        #expect(zip(audio, audio.dropFirst()).allSatisfy { $0.pts < $1.pts })
        #expect(reader.continuityErrors == 0)
        // Access units are Annex B with a start code.
        #expect(video.allSatisfy { $0.data.starts(with: [0, 0, 0, 1]) || $0.data.starts(with: [0, 0, 1]) })
    }

    @Test("H.265: every IRAP picture is a keyframe")
    func hevc() async throws {
        let clip = try await Clips.make(.init(video: .hevc, audio: false, seconds: 3, keyframeSeconds: 1))
        let (tracks, units, _) = try demux(try [UInt8](Data(contentsOf: clip)))
        #expect(tracks.first?.map(\.codec) == [.hevc])
        #expect(units.count == 75)
        #expect(units.filter(\.isKeyframe).count == 3)
        #expect(units.first?.isKeyframe == true)
    }

    @Test("audio-only and video-only streams", arguments: [Clips.Video.none, .h264])
    func singleTrack(video: Clips.Video) async throws {
        let clip = try await Clips.make(.init(video: video, audio: video == .none, seconds: 2))
        let (tracks, units, _) = try demux(try [UInt8](Data(contentsOf: clip)))
        #expect(tracks.first?.count == 1)
        #expect(!units.isEmpty)
    }

    @Test("chunking does not matter: 1 byte, 188, 1316, 7000 give the same units", arguments: [1, 188, 1316, 7000])
    func chunking(size: Int) async throws {
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 2))
        let bytes = try [UInt8](Data(contentsOf: clip))
        let reference = try demux(bytes, chunk: 1316).units
        let units = try demux(bytes, chunk: size).units
        #expect(units.count == reference.count)
        #expect(zip(units, reference).allSatisfy { $0.pts == $1.pts && $0.data == $1.data && $0.track == $1.track })
    }

    @Test("lost packets are counted as continuity errors, the stream goes on")
    func continuityErrors() async throws {
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 2))
        var bytes = try [UInt8](Data(contentsOf: clip))
        // Drop every 50th packet.
        var kept: [UInt8] = []
        for (index, start) in stride(from: 0, to: bytes.count, by: 188).enumerated() where index % 50 != 49 {
            kept += bytes[start..<min(bytes.count, start + 188)]
        }
        bytes = kept
        let (tracks, units, reader) = try demux(bytes)
        #expect(!tracks.isEmpty)
        #expect(!units.isEmpty)
        #expect(reader.continuityErrors > 0)
    }

    @Test("garbage before the stream is skipped by resynchronising on the sync byte")
    func resync() async throws {
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 2))
        let clean = try [UInt8](Data(contentsOf: clip))
        var noisy: [UInt8] = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }.map { $0 == 0x47 ? 0x46 : $0 }
        noisy += clean
        let reference = try demux(clean).units.count
        let (_, units, reader) = try demux(noisy)
        #expect(units.count == reference)
        #expect(reader.bytesDiscarded >= 1000)
    }

    @Test("random bytes are refused as not MPEG-TS, without crashing")
    func garbage() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<(TransportStreamReader.programSearchLimit + 200_000)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        do {
            _ = try demux(bytes)
            Issue.record("garbage accepted")
        } catch let error as MediaError {
            #expect(error.code == .notTransportStream)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a truncated stream ends without a crash and keeps what was whole")
    func truncated() async throws {
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 2))
        let bytes = try [UInt8](Data(contentsOf: clip))
        let half = Array(bytes[0..<(bytes.count / 2 + 77)])
        let (_, units, _) = try demux(half)
        #expect(!units.isEmpty)
    }
}

@Suite("Timestamps, CRC, ADTS and NAL units")
struct BitstreamTests {
    @Test("33-bit timestamps unwrap across the wrap, both ways")
    func unwrap() {
        var clock = TimestampUnwrapper()
        let wrap = TimestampUnwrapper.wrap
        #expect(clock.unwrap(wrap - 3000) == wrap - 3000)
        #expect(clock.unwrap(0) == wrap)
        #expect(clock.unwrap(3000) == wrap + 3000)
        #expect(clock.unwrap(wrap - 1000) == wrap - 1000, "a small step back across the wrap")
        #expect(TimestampUnwrapper.signedDelta(from: wrap - 10, to: 10) == 20)
        #expect(TimestampUnwrapper.signedDelta(from: 10, to: wrap - 10) == -20)
    }

    @Test("CRC-32/MPEG-2 check value")
    func crc() {
        // The catalogued check value for "123456789".
        #expect(CRC32MPEG.checksum(Array("123456789".utf8)) == 0x0376_E6E7)
    }

    @Test("ADTS header fields and AudioSpecificConfig")
    func adts() throws {
        // AAC-LC, 48 kHz (index 3), stereo, frame length 0x100.
        let header: [UInt8] = [0xFF, 0xF1, 0x4C, 0x80, 0x20, 0x1F, 0xFC]
        let parsed = try #require(ADTSHeader(header))
        #expect(parsed.objectType == 2)
        #expect(parsed.sampleRate == 48000)
        #expect(parsed.channelConfiguration == 2)
        #expect(parsed.frameLength == 0x100)
        #expect(parsed.audioSpecificConfig == [0x11, 0x90])
        #expect(ADTSHeader([0xFF, 0xF1, 0x4C]) == nil)
        #expect(ADTSHeader([0x00, 0xF1, 0x4C, 0x80, 0x20, 0x1F, 0xFC]) == nil)
    }

    @Test("keyframes by NAL type: H.264 IDR, H.265 IDR/CRA/BLA, not other slices")
    func nalTypes() {
        func scan(_ bytes: [UInt8], _ codec: Codec) -> NALUnitScanner.Summary {
            bytes.withUnsafeBytes { NALUnitScanner.scan($0, codec: codec) }
        }
        let idr: [UInt8] = [0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 1, 0x65, 0x88]
        let sliceH264: [UInt8] = [0, 0, 0, 1, 0x41, 0x9A]
        #expect(scan(idr, .h264).isKeyframe)
        #expect(scan(idr, .h264).parameterSets == [0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3])
        #expect(!scan(sliceH264, .h264).isKeyframe)
        for type: UInt8 in [16, 19, 20, 21] {  // BLA_W_LP, IDR_W_RADL, IDR_N_LP, CRA
            #expect(scan([0, 0, 1, type << 1, 1, 0xAF], .hevc).isKeyframe, "H.265 NAL type \(type)")
        }
        #expect(!scan([0, 0, 1, 1 << 1, 1, 0xAF], .hevc).isKeyframe, "TRAIL_R")
        #expect(!scan([0, 0, 1], .hevc).isKeyframe, "a start code with nothing after it")
    }
}
