import Foundation
import Testing
import TestSupport

/// Checks one fetched segment with ffprobe/ffmpeg: it decodes, its first video frame is a keyframe,
/// and it carries the expected codecs.
func verifySegment(_ data: Data, codecs expected: Set<String>, name: String) async throws {
    let file = Clips.directory.appendingPathComponent("\(UUID().uuidString)-\(name)")
    try data.write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let (status, streams, probeErrors) = try await Subprocess.run("ffprobe", [
        "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", file.path])
    #expect(status == 0, "ffprobe failed on \(name): \(probeErrors)")
    #expect(Set(streams.split(separator: "\n").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ", ")) }) == expected, "\(name)")
    if expected.contains("h264") || expected.contains("hevc") {
        let (_, frames, _) = try await Subprocess.run("ffprobe", [
            "-v", "error", "-select_streams", "v", "-show_entries", "frame=key_frame", "-read_intervals", "%+#1", "-of", "csv=p=0", file.path])
        #expect(frames.split(separator: "\n").first?.hasPrefix("1") == true, "\(name) does not start with a keyframe")
    }
    let (decodeStatus, _, decodeErrors) = try await Subprocess.run("ffmpeg", ["-v", "error", "-i", file.path, "-f", "null", "-"])
    #expect(decodeStatus == 0 && decodeErrors.isEmpty, "\(name) decode errors: \(decodeErrors)")
}

@Suite("End to end: ffmpeg publishes over SRT, HTTP reads HLS", .serialized)
struct LivePathTests {
    @Test("two cameras at once, H.264+AAC and H.265; every segment decodes and starts on a keyframe")
    func twoCameras() async throws {
        let gateway = try await RunningGateway.start()
        // Clips longer than the test runs: ffmpeg's `-stream_loop -1 -c copy` over x265's B-frames
        // yields pictures that reference ones missing at the loop point ("Could not find ref with POC 0"
        // when the looped file is decoded without any gateway), and the loop's first keyframe comes
        // less than a target after the last cut, making one longer segment. Neither is the gateway's.
        let h264 = try await Clips.make(.init(video: .h264, audio: true, seconds: 60, keyframeSeconds: 1))
        let hevc = try await Clips.make(.init(video: .hevc, audio: false, seconds: 60, keyframeSeconds: 1))
        let first = try gateway.publish(h264, streamID: "#!::r=lab/cam264,m=publish", loop: true)
        let second = try gateway.publish(hevc, streamID: "lab/cam265", loop: true)
        defer { first.terminate(); second.terminate() }
        for (path, codecs) in [("lab/cam264", Set(["h264", "aac"])), ("lab/cam265", Set(["hevc"]))] {
            let text = try await gateway.waitForPlaylist(path) { ParsedPlaylist($0).segments.count >= 3 }
            let playlist = ParsedPlaylist(text)
            #expect(playlist.version == 3)
            #expect(playlist.targetDuration == 1)
            #expect(playlist.segments.allSatisfy { $0.programDateTime != nil })
            #expect(playlist.segments.allSatisfy { Int($0.duration.rounded()) <= 1 })
            for segment in playlist.segments {
                let reply = try await HTTPClient.get("\(gateway.baseURL)/hls/\(path)/\(segment.uri)")
                #expect(reply.status == 200)
                #expect(reply.header("Content-Type") == "video/mp2t")
                try await verifySegment(reply.body, codecs: codecs, name: segment.uri)
            }
        }
        #expect(try await gateway.metric("fieldrelay_publishers_active") == 2)
        await gateway.stop()
    }

    @Test("publisher delivery: libsrt's TSBPD and on-arrival with reordering both package every segment", arguments: ["tsbpd", "on-arrival"])
    func publisherDelivery(mode: String) async throws {
        let gateway = try await RunningGateway.start { $0.srt.publisherDelivery = mode }
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 6, keyframeSeconds: 1))
        let camera = try gateway.publish(clip, streamID: "lab/delivery", loop: true)
        defer { camera.terminate() }
        let playlist = ParsedPlaylist(try await gateway.waitForPlaylist("lab/delivery") { ParsedPlaylist($0).segments.count >= 3 })
        for segment in playlist.segments {
            let reply = try await HTTPClient.get("\(gateway.baseURL)/hls/lab/delivery/\(segment.uri)")
            #expect(reply.status == 200)
            try await verifySegment(reply.body, codecs: ["h264", "aac"], name: segment.uri)
        }
        // On loopback nothing is lost, so nothing waits or is given up on, in either mode.
        #expect(try await gateway.metric("fieldrelay_srt_packets_skipped_total") == 0)
        #expect(try await gateway.metric("fieldrelay_ingest_continuity_errors_total") == 0)
        await gateway.stop()
    }

    @Test("a camera that drops and returns continues the same playlist with a discontinuity")
    func reconnect() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 4, keyframeSeconds: 1))
        let first = try gateway.publish(clip, streamID: "publish:lab/flaky")
        #expect(await first.wait() == 0, "first publish: \(first.standardError)")
        let before = ParsedPlaylist(try await gateway.waitForPlaylist("lab/flaky") { ParsedPlaylist($0).segments.count >= 3 })
        // The camera comes back (percent-encoded stream id, as other clients send it).
        let again = try gateway.publish(clip, streamID: "%23%21%3A%3Ar%3Dlab%2Fflaky%2Cm%3Dpublish")
        defer { again.terminate() }
        let text = try await gateway.waitForPlaylist("lab/flaky") { text in
            let playlist = ParsedPlaylist(text)
            return playlist.segments.contains { $0.discontinuity } && playlist.segments.last?.discontinuity == false
        }
        let after = ParsedPlaylist(text)
        #expect(after.ended == false)
        #expect(after.mediaSequence >= before.mediaSequence, "media sequence never goes back")
        let joined = try #require(after.segments.firstIndex { $0.discontinuity })
        // Segment numbers run on across the join.
        let numbers = after.segments.compactMap { Int($0.uri.split(separator: "-").last?.dropLast(3) ?? "") }
        #expect(numbers == Array(numbers[0]..<(numbers[0] + numbers.count)))
        let reply = try await HTTPClient.get("\(gateway.baseURL)/hls/lab/flaky/\(after.segments[joined].uri)")
        try await verifySegment(reply.body, codecs: ["h264", "aac"], name: "after-join.ts")
        await gateway.stop()
    }

    @Test("garbage instead of MPEG-TS is closed with a reason; the camera beside it keeps flowing")
    func garbageBesideGood() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 6, keyframeSeconds: 1))
        let good = try gateway.publish(clip, streamID: "lab/good", loop: true)
        defer { good.terminate() }
        _ = try await gateway.waitForPlaylist("lab/good") { ParsedPlaylist($0).segments.count >= 1 }
        // 3 MB of random bytes through srt-live-transmit (it polls stdin, so a pipe), as a broken encoder would send.
        let pipe = Pipe()
        let garbage = try Subprocess("srt-live-transmit", ["-q", "-a:no", "file://con",
                                                           "srt://127.0.0.1:\(gateway.srtPort)?streamid=lab/garbage"],
                                     stdin: pipe.fileHandleForReading)
        defer { garbage.terminate() }
        let writer = pipe.fileHandleForWriting
        Thread.detachNewThread {
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<300 {
                let chunk = Data((0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
                do { try writer.write(contentsOf: chunk) } catch { break }
                usleep(2_000)
            }
            try? writer.close()
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while (try await gateway.metric("fieldrelay_ingest_garbage_closed_total") ?? 0) < 1 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try await gateway.metric("fieldrelay_ingest_garbage_closed_total") == 1)
        let before = ParsedPlaylist(try await gateway.waitForPlaylist("lab/good") { _ in true })
        let lastBefore = before.mediaSequence + before.segments.count
        let after = ParsedPlaylist(try await gateway.waitForPlaylist("lab/good") { text in
            let playlist = ParsedPlaylist(text)
            return playlist.mediaSequence + playlist.segments.count >= lastBefore + 2
        })
        #expect(!after.ended)
        let garbagePlaylist = try await HTTPClient.get("\(gateway.baseURL)/hls/lab/garbage/index.m3u8")
        #expect(garbagePlaylist.status == 503 || garbagePlaylist.status == 404)
        await gateway.stop()
    }

    @Test("handshakes are refused with the access-control codes, counted by code")
    func rejections() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 6, keyframeSeconds: 1))
        let live = try gateway.publish(clip, streamID: "lab/busy", loop: true)
        defer { live.terminate() }
        _ = try await gateway.waitForPlaylist("lab/busy") { ParsedPlaylist($0).segments.count >= 1 }
        let cases: [(String, Int)] = [
            ("#!::m=publish", 1400),          // no resource
            ("lab/..", 1400),                 // a path that climbs
            ("room/520602999999", 1404),      // a well-formed village code that is not registered
            ("video/cam1", 1404),             // unknown kind
            ("#!::r=lab/x,m=bidirectional", 1405),
            ("lab/busy", 1409),               // a live publisher holds it
        ]
        for (streamID, _) in cases {
            let attempt = try Subprocess("ffmpeg", ["-hide_banner", "-loglevel", "error", "-re", "-i", clip.path, "-c", "copy", "-t", "2",
                                                    "-f", "mpegts", gateway.srtURL(streamID: streamID) + "&connect_timeout=3000"])
            let status = await attempt.wait(timeout: .seconds(20))
            #expect(status != 0, "\(streamID) was let in")
        }
        for code in Set(cases.map(\.1)) {
            let expected = Double(cases.filter { $0.1 == code }.count)
            #expect(try await gateway.metric("fieldrelay_srt_rejections_total{code=\"\(code)\"}") == expected, "code \(code)")
        }
        // The live camera was not disturbed.
        let playlist = ParsedPlaylist(try await gateway.waitForPlaylist("lab/busy") { _ in true })
        #expect(!playlist.segments.contains { $0.discontinuity })
        await gateway.stop()
    }

    @Test("without open ingest even lab paths are refused (1403)")
    func closedIngest() async throws {
        let gateway = try await RunningGateway.start { $0.srt.openIngest = false }
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 2, keyframeSeconds: 1))
        let attempt = try gateway.publish(clip, streamID: "lab/cam1")
        #expect(await attempt.wait(timeout: .seconds(20)) != 0)
        #expect(try await gateway.metric("fieldrelay_srt_rejections_total{code=\"1403\"}") == 1)
        await gateway.stop()
    }

    @Test("a connection with no media is reported stalled; after the grace window the playlist ends")
    func stallAndEnd() async throws {
        let gateway = try await RunningGateway.start {
            $0.paths.stallTimeoutSeconds = 1
            $0.paths.reconnectGraceSeconds = 2
        }
        // A connected publisher that sends nothing: srt-live-transmit reading a pipe nobody writes.
        let pipe = Pipe()
        let silent = try Subprocess("srt-live-transmit", ["-q", "file://con", "srt://127.0.0.1:\(gateway.srtPort)?streamid=lab/silent"],
                                    stdin: pipe.fileHandleForReading)
        // Killed outright: blocked reading the pipe (whose write end it inherits, so it never sees EOF)
        // it outlived SIGTERM, and the delayed SIGKILL never came when this was among the last tests.
        defer { silent.killNow() }
        var status = ""
        let deadline = ContinuousClock.now + .seconds(15)
        while status != "stalled" && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            let reply = try await HTTPClient.get("\(gateway.baseURL)/api/v1/paths")
            let json = try JSONSerialization.jsonObject(with: reply.body) as? [String: Any]
            let paths = json?["paths"] as? [[String: Any]] ?? []
            status = paths.first { $0["path"] as? String == "lab/silent" }?["status"] as? String ?? ""
        }
        #expect(status == "stalled")

        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 3, keyframeSeconds: 1))
        let short = try gateway.publish(clip, streamID: "lab/short")
        #expect(await short.wait() == 0)
        let text = try await gateway.waitForPlaylist("lab/short", timeout: .seconds(20)) { ParsedPlaylist($0).ended }
        #expect(text.hasSuffix("#EXT-X-ENDLIST\n"))
        await gateway.stop()
    }
}
