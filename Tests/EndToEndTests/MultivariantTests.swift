import Foundation
import Testing
import TestSupport

/// `multivariant.m3u8` over real HTTP against ffmpeg publishing over SRT: the server's codec strings
/// for the camera's own parameter sets, the caller's token on the URI it names, and a BANDWIDTH that
/// is at least what the segments it serves really carry.
@Suite("End to end: the multivariant playlist over real HTTP against ffmpeg", .serialized)
struct MultivariantTests {
    /// The bit rate of every listed segment as fetched (bytes × 8 over EXTINF).
    struct Measured {
        var rates: [(seconds: Double, bitsPerSecond: Double)] = []
        var bytes = 0
        var seconds = 0.0

        /// The richest segment lasting 0.5 to 1.5 target durations: a set of one, which the peak
        /// segment bit rate (RFC 8216 4.1) covers.
        func peak(target: Int) -> Double {
            rates.filter { $0.seconds >= 0.5 * Double(target) && $0.seconds <= 1.5 * Double(target) }.map(\.bitsPerSecond).max() ?? 0
        }

        var average: Double { Double(bytes * 8) / seconds }
    }

    func measure(_ base: String, _ segments: [(uri: String, seconds: Double)]) async throws -> Measured {
        var measured = Measured()
        for segment in segments {
            let reply = try await HTTPClient.get("\(base)/\(segment.uri)")
            #expect(reply.status == 200, "\(segment.uri)")
            measured.rates.append((segment.seconds, Double(reply.body.count * 8) / segment.seconds))
            measured.bytes += reply.body.count
            measured.seconds += segment.seconds
        }
        return measured
    }

    @Test("H.264 High + AAC, Low-Latency default: CODECS from the camera's SPS, 320x240 at 25.000, ?token= on the URI, BANDWIDTH ≥ every segment's bit rate")
    func lowLatencyH264() async throws {
        let gateway = try await RunningGateway.start()
        // Longer than the test: no loop point, where ffmpeg's -stream_loop drops a keyframe.
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 40, keyframeSeconds: 1, preset: "veryfast"))
        let camera = try gateway.publish(clip, streamID: "lab/variant", loop: true)
        defer { camera.terminate() }
        let base = "\(gateway.baseURL)/hls/lab/variant"
        let text = try await gateway.waitForPlaylist("lab/variant", file: "index.m3u8", timeout: .seconds(40)) {
            LowLatencyParsedPlaylist($0).segments.filter { $0.uri != nil }.count >= 4
        }
        let media = LowLatencyParsedPlaylist(text)
        let target = try #require(media.targetDuration)
        let measured = try await measure(base, media.segments.compactMap { segment in segment.uri.map { ($0, segment.duration) } })

        // Fetched after the segments, so its peak has seen all of them.
        let reply = try await HTTPClient.get("\(base)/multivariant.m3u8?token=lab-key%2B1")
        #expect(reply.status == 200)
        #expect(reply.header("Content-Type") == "application/vnd.apple.mpegurl")
        let playlist = MultivariantParsedPlaylist(reply.text)
        #expect(playlist.version == 6, "fMP4 media")
        #expect(playlist.independentSegments, "1 s GOPs, a 1 s target: every segment starts on a keyframe")
        let variant = try #require(playlist.variants.first)
        #expect(playlist.variants.count == 1)
        // x264 veryfast at 320x240, 25 fps: High profile (0x64), no constraint flags, level 1.3 (13 = 0x0d).
        #expect(variant.codecs == "avc1.64000d,mp4a.40.2", "\(reply.text)")
        #expect(variant.resolution == "320x240")
        #expect(variant.frameRate == "25.000")
        #expect(variant.uri == "index.m3u8?token=lab-key%2B1", "the caller's token carried on, as on every URI a playlist lists")
        let bandwidth = Double(try #require(variant.bandwidth))
        let average = Double(try #require(variant.averageBandwidth))
        #expect(bandwidth >= measured.peak(target: target), "BANDWIDTH \(bandwidth) vs segments \(measured.rates.map(\.bitsPerSecond))")
        #expect(bandwidth >= measured.average && average <= bandwidth)
        #expect(abs(average - measured.average) / measured.average < 0.3, "AVERAGE-BANDWIDTH \(average) vs measured \(measured.average)")
        #expect(bandwidth < 4 * measured.peak(target: target), "an honest peak, not a guess: \(bandwidth)")

        // The URI it names, resolved against it, is the Low-Latency media playlist.
        let named = try await HTTPClient.get("\(base)/\(variant.uri)")
        #expect(named.status == 200 && named.text.contains("#EXT-X-PART:"))
        #expect(named.text.contains(".m4s?token=lab-key%2B1"))
        // And without a token none is invented.
        let bare = MultivariantParsedPlaylist(try await HTTPClient.get("\(base)/multivariant.m3u8").text)
        #expect(bare.variants.first?.uri == "index.m3u8")
        await gateway.stop()
    }

    @Test("H.265 Main + AAC, classic default: CODECS hvc1 from the SPS's profile, tier and level; BANDWIDTH ≥ every MPEG-TS segment's bit rate")
    func classicHEVC() async throws {
        let gateway = try await RunningGateway.start { $0.hls.defaultPlaylist = "classic" }
        let clip = try await Clips.make(.init(video: .hevc, audio: true, seconds: 40, keyframeSeconds: 1))
        let camera = try gateway.publish(clip, streamID: "lab/variant265", loop: true)
        defer { camera.terminate() }
        let base = "\(gateway.baseURL)/hls/lab/variant265"
        let text = try await gateway.waitForPlaylist("lab/variant265", file: "index.m3u8", timeout: .seconds(40)) {
            ParsedPlaylist($0).segments.count >= 4
        }
        let media = ParsedPlaylist(text)
        let target = try #require(media.targetDuration)
        let measured = try await measure(base, media.segments.map { ($0.uri, $0.duration) })

        let reply = try await HTTPClient.get("\(base)/multivariant.m3u8")
        #expect(reply.status == 200)
        let playlist = MultivariantParsedPlaylist(reply.text)
        #expect(playlist.version == 3, "MPEG-TS media")
        let variant = try #require(playlist.variants.first)
        // x265 Main (1), compatibility flags 1 and 2 (reversed: 6), Main tier level 2 (60),
        // progressive and frame-only source (0x90); ffprobe reads the same profile and level.
        #expect(variant.codecs == "hvc1.1.6.L60.90,mp4a.40.2", "\(reply.text)")
        #expect(variant.resolution == "320x240")
        #expect(variant.frameRate == "25.000")
        #expect(variant.uri == "index.m3u8")
        let bandwidth = Double(try #require(variant.bandwidth))
        #expect(bandwidth >= measured.peak(target: target), "BANDWIDTH \(bandwidth) vs segments \(measured.rates.map(\.bitsPerSecond))")
        #expect(bandwidth >= measured.average)
        let (status, probe, _) = try await Subprocess.run("ffprobe", ["-v", "error", "-select_streams", "v", "-show_entries", "stream=profile,level",
                                                                       "-of", "csv=p=0", clip.path])
        // (csv lists the stream under its program and on its own: the same line twice.)
        #expect(status == 0 && Set(probe.split(whereSeparator: \.isNewline)) == ["Main,60"], "ffprobe: \(probe)")
        await gateway.stop()
    }
}
