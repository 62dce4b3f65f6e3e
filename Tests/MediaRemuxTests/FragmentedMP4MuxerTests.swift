import Foundation
import MediaTypes
import Testing
import TestSupport
@testable import MediaRemux

@Suite("Fragmented MP4 (CMAF) muxing into memory")
struct FragmentedMP4MuxerTests {
    func remux(_ spec: Clips.Spec, fragmentEvery frames: Int = 5) async throws -> (initSection: [UInt8], fragments: [[UInt8]]) {
        let clip = try await Clips.make(spec)
        let (tracks, units, _) = try demux(try [UInt8](Data(contentsOf: clip)))
        let muxer = try FragmentedMP4Muxer(tracks: try #require(tracks.last))
        var fragments: [[UInt8]] = []
        var videoFrames = 0
        for unit in units {
            try muxer.write(unit)
            if unit.track == 0 {
                videoFrames += 1
                if videoFrames % frames == 0 { fragments.append(try muxer.flushFragment()) }
            }
        }
        fragments.append(try muxer.flushFragment())
        return (muxer.initSection, fragments.filter { !$0.isEmpty })
    }

    func probe(_ bytes: [UInt8], _ arguments: [String]) async throws -> (Int32, String, String) {
        let file = Clips.directory.appendingPathComponent("\(UUID().uuidString).mp4")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try await Subprocess.run("ffprobe", ["-v", "error"] + arguments + [file.path])
    }

    @Test("init plus fragments of H.264 + AAC decode, with the source's codecs")
    func h264AAC() async throws {
        let (initSection, fragments) = try await remux(.init(video: .h264, audio: true, seconds: 3, keyframeSeconds: 1))
        #expect(String(decoding: initSection[4..<8], as: UTF8.self) == "ftyp")
        #expect(fragments.count >= 14)
        #expect(fragments.allSatisfy { String(decoding: $0[4..<8], as: UTF8.self) == "moof" })
        let whole = initSection + fragments.joined()
        let (status, streams, errors) = try await probe(whole, ["-show_entries", "stream=codec_name,codec_tag_string", "-of", "csv=p=0"])
        #expect(status == 0, "\(errors)")
        #expect(streams.contains("h264,avc1"))
        #expect(streams.contains("aac,mp4a"))
        let file = Clips.directory.appendingPathComponent("\(UUID().uuidString).mp4")
        try Data(whole).write(to: file)
        let (decode, _, decodeErrors) = try await Subprocess.run("ffmpeg", ["-v", "error", "-i", file.path, "-f", "null", "-"])
        #expect(decode == 0 && decodeErrors.isEmpty, "\(decodeErrors)")
    }

    @Test("H.265 is tagged hvc1")
    func hevc() async throws {
        let (initSection, fragments) = try await remux(.init(video: .hevc, audio: false, seconds: 2, keyframeSeconds: 1))
        let (status, streams, errors) = try await probe(initSection + fragments.joined(), ["-show_entries", "stream=codec_name,codec_tag_string", "-of", "csv=p=0"])
        #expect(status == 0, "\(errors)")
        #expect(streams.trimmingCharacters(in: .whitespacesAndNewlines) == "hevc,hvc1")
    }

    @Test("a track without codec configuration is refused with the reason")
    func missingConfiguration() {
        #expect(throws: MediaError.self) { try FragmentedMP4Muxer(tracks: [Track(index: 0, codec: .h264, pid: 256, width: 320, height: 240)]) }
        #expect(throws: MediaError.self) { try FragmentedMP4Muxer(tracks: [Track(index: 0, codec: .aac, pid: 257, extradata: [0x11, 0x90])]) }
    }
}
