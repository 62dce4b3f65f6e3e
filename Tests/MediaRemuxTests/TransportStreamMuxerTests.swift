import Foundation
import MediaTypes
import Testing
import TestSupport
@testable import MediaRemux

@Suite("MPEG-TS muxing into memory with libavformat")
struct TransportStreamMuxerTests {
    @Test("remuxed access units make a stream ffprobe decodes, with the source's codecs and timestamps")
    func remux() async throws {
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 2))
        let (tracks, units, _) = try demux(try [UInt8](Data(contentsOf: clip)))
        let muxer = try TransportStreamMuxer(tracks: try #require(tracks.first))
        for unit in units { try muxer.write(unit) }
        let bytes = try muxer.finish()
        #expect(bytes.count % 188 == 0)
        #expect(bytes.first == 0x47)
        let file = Clips.directory.appendingPathComponent("remux-\(UUID().uuidString).ts")
        try Data(bytes).write(to: file)
        let (status, output, errors) = try await Subprocess.run("ffprobe", [
            "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", file.path])
        #expect(status == 0, "\(errors)")
        // ffprobe lists the streams once for the program and once on their own.
        #expect(Set(output.split(separator: "\n").map(String.init)) == ["h264", "aac"])
        let (decodeStatus, _, decodeErrors) = try await Subprocess.run("ffmpeg", ["-v", "error", "-i", file.path, "-f", "null", "-"])
        #expect(decodeStatus == 0)
        #expect(decodeErrors.isEmpty, "decode errors: \(decodeErrors)")
        // Timestamps are carried, not rewritten: the first video PTS matches the source's.
        let (_, first, _) = try await Subprocess.run("ffprobe", [
            "-v", "error", "-select_streams", "v", "-show_entries", "packet=pts", "-read_intervals", "%+#1", "-of", "csv=p=0", file.path])
        let firstVideo = try #require(units.first { $0.track == 0 })
        #expect(Int64(first.trimmingCharacters(in: CharacterSet(charactersIn: ", \n"))) == firstVideo.pts % (1 << 33))
    }

    @Test("a muxer refuses units of a track it does not have, and a second finish")
    func misuse() throws {
        let muxer = try TransportStreamMuxer(tracks: [Track(index: 0, codec: .h264, pid: 256)])
        let unit = AccessUnit(track: 3, pts: 0, dts: 0, duration: 3600, isKeyframe: true, data: [0, 0, 0, 1, 0x65], arrival: 0)
        #expect(throws: MediaError.self) { try muxer.write(unit) }
        _ = try muxer.finish()
        #expect(throws: MediaError.self) { try muxer.finish() }
    }

    @Test("no tracks, or Opus, cannot be muxed into MPEG-TS segments")
    func refusals() {
        #expect(throws: MediaError.self) { try TransportStreamMuxer(tracks: []) }
        #expect(throws: MediaError.self) { try TransportStreamMuxer(tracks: [Track(index: 0, codec: .opus, pid: 300, sampleRate: 48000, channels: 2)]) }
    }
}
