import Foundation
import Logging
import SRTTransport
import Testing
import TestSupport

/// `fieldrelay loadgen` (the built binary) against a gateway started in this process.
@Suite("fieldrelay loadgen against a running gateway", .serialized)
struct LoadgenTests {
    /// Runs the load generator to completion and returns its JSON summary and whole output.
    func runLoadgen(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> (summary: [String: Any], stdout: String, stderr: String) {
        let executable = ServeCommandTests.executable
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build the fieldrelay product first")
        let (status, output, errors) = try await Subprocess.run(executable, ["loadgen", "--json"] + arguments, timeout: timeout)
        #expect(status == 0, "loadgen exit status; stderr: \(errors.suffix(2000))")
        let lines = output.split(separator: "\n")
        let summaryLine = try #require(lines.last { $0.contains("\"type\":\"summary\"") }, "no summary in: \(output.suffix(2000))")
        let object = try JSONSerialization.jsonObject(with: Data(summaryLine.utf8)) as? [String: Any]
        return (try #require(object), output, errors)
    }

    func playlist(_ gateway: RunningGateway, _ path: String) async throws -> ParsedPlaylist {
        let reply = try await HTTPClient.get("\(gateway.baseURL)/hls/\(path)/ts.m3u8")
        #expect(reply.status == 200, "\(path)")
        return ParsedPlaylist(reply.text)
    }

    @Test("5 streams for 6 s to lab/load-{i}: every path gets a playlist with at least 2 segments")
    func fiveStreams() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 12, keyframeSeconds: 1))
        let run = try await runLoadgen(["--url", "srt://127.0.0.1:\(gateway.srtPort)", "--file", clip.path, "--streams", "5",
                                        "--duration", "6", "--ramp", "50"])
        #expect(run.summary["connected"] as? Int == 5)
        #expect(run.summary["rejected"] as? Int == 0)
        #expect((run.summary["packetsSent"] as? Int ?? 0) > 0)
        // One JSON line per second before the summary.
        #expect(run.stdout.split(separator: "\n").filter { $0.contains("\"type\":\"tick\"") }.count >= 5)
        for index in 0..<5 {
            let list = try await playlist(gateway, "lab/load-\(index)")
            #expect(list.segments.count >= 2, "lab/load-\(index) has \(list.segments.count) segments")
        }
        #expect(try await gateway.metric("fieldrelay_ingest_continuity_errors_total") == 0)
        await gateway.stop()
    }

    @Test("a 3 s clip looped for 8 s continues its timeline: no discontinuity, no continuity error, rising DTS")
    func loopContinuity() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 3, keyframeSeconds: 1))
        let run = try await runLoadgen(["--url", "srt://127.0.0.1:\(gateway.srtPort)", "--file", clip.path, "--streams", "2",
                                        "--stream-id", "#!::r=lab/loop-{i},m=publish", "--duration", "8"])
        #expect(run.summary["connected"] as? Int == 2)
        let loop = try #require(run.summary["clipLoopSeconds"] as? Double)
        #expect(loop >= 2.9 && loop <= 3.2, "loop length \(loop)")
        for index in 0..<2 {
            let path = "lab/loop-\(index)"
            let list = try await playlist(gateway, path)
            #expect(!list.segments.contains { $0.discontinuity }, "\(path) has EXT-X-DISCONTINUITY")
            let target = Double(list.targetDuration ?? 0)
            #expect(list.segments.allSatisfy { $0.duration > 0 && $0.duration <= target + 0.5 }, "\(path) durations \(list.segments.map(\.duration))")
            let total = list.segments.reduce(0) { $0 + $1.duration }
            #expect(total > loop + 1, "\(path) covers \(total) s: the clip must have looped")

            // The window's segments back to back must decode with ever-rising video DTS across the loop point.
            var joined = Data()
            for segment in list.segments {
                let reply = try await HTTPClient.get("\(gateway.baseURL)/hls/\(path)/\(segment.uri)")
                #expect(reply.status == 200)
                joined.append(reply.body)
            }
            let file = Clips.directory.appendingPathComponent("loop-\(index)-\(UUID().uuidString).ts")
            try joined.write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let (status, output, errors) = try await Subprocess.run("ffprobe", [
                "-v", "error", "-select_streams", "v", "-show_entries", "packet=dts", "-of", "csv=p=0", file.path])
            #expect(status == 0, "\(errors)")
            let dts = output.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: ", "))) }
            #expect(dts.count > 50)
            #expect(zip(dts, dts.dropFirst()).allSatisfy { $0 < $1 }, "\(path): video DTS not rising across the loop")
        }
        #expect(try await gateway.metric("fieldrelay_ingest_continuity_errors_total") == 0)
        #expect(try await gateway.metric("fieldrelay_hls_mux_errors_total") ?? 0 == 0)
        await gateway.stop()
    }

    @Test("a stream id template the gateway refuses: every connection is rejected and counted with its code")
    func rejectedTemplate() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 3, keyframeSeconds: 1))
        let run = try await runLoadgen(["--url", "srt://127.0.0.1:\(gateway.srtPort)", "--file", clip.path, "--streams", "3",
                                        "--stream-id", "nowhere/load-{i}", "--duration", "3", "--connect-timeout", "2000"])
        #expect(run.summary["connected"] as? Int == 0)
        #expect(run.summary["rejected"] as? Int == 3)
        let reasons = try #require(run.summary["rejections"] as? [String: Int])
        #expect(reasons.values.reduce(0, +) == 3)
        #expect(reasons.keys.allSatisfy { $0.hasPrefix("14") }, "access-control codes expected: \(reasons)")
        let refused = try await gateway.metrics().split(separator: "\n")
            .filter { $0.hasPrefix("fieldrelay_srt_rejections_total{") }
            .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
        #expect(refused == 3)
        await gateway.stop()
    }

    @Test("a camera whose clock jumps back inside one connection: the playlist marks one discontinuity there, every segment decodes, nothing is refused by the muxers")
    func timestampJump() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 4, keyframeSeconds: 1))
        // 4 s whose clock stands at 1,000 s, then the same 4 s from 0: an encoder restarting its clock.
        let late = Clips.directory.appendingPathComponent("\(UUID().uuidString)-late.ts")
        let spliced = Clips.directory.appendingPathComponent("\(UUID().uuidString)-spliced.ts")
        defer { try? FileManager.default.removeItem(at: late); try? FileManager.default.removeItem(at: spliced) }
        let (status, _, errors) = try await Subprocess.run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-i", clip.path,
                                                                       "-c", "copy", "-output_ts_offset", "1000", "-f", "mpegts", late.path])
        try #require(status == 0, "ffmpeg: \(errors)")
        try (try Data(contentsOf: late) + (try Data(contentsOf: clip))).write(to: spliced)
        // The bytes as they are, through libsrt as a camera would send them: ffmpeg would smooth the
        // jump out, loadgen paces by a clock it keeps running, and srt-live-transmit does not end at
        // the end of its input. 1316-byte messages, evenly over 8 s.
        let bytes = [UInt8](try Data(contentsOf: spliced))
        let group = try SRTCallerGroup(remoteHost: "127.0.0.1", logger: Logger(label: "test-camera"))
        let caller = try group.connect(port: gateway.srtPort, SRTCallerConfiguration(streamID: "lab/jump"))
        defer { caller.close() }
        let connectDeadline = ContinuousClock.now + .seconds(10)
        while caller.state == .connecting && ContinuousClock.now < connectDeadline { try await Task.sleep(for: .milliseconds(20)) }
        try #require(caller.state == .connected, "\(caller.state)")
        let sending = Task {
            let chunks = stride(from: 0, to: bytes.count, by: 1316).map { Array(bytes[$0..<min(bytes.count, $0 + 1316)]) }
            let start = ContinuousClock.now
            for (index, chunk) in chunks.enumerated() {
                try await Task.sleep(until: start + .milliseconds(8000 * index / chunks.count))
                while chunk.withUnsafeBytes({ caller.send($0) }) == .wouldBlock { try await Task.sleep(for: .milliseconds(5)) }
            }
        }
        // A hall watching from the start (a packager made later starts from media after the jump).
        _ = try await gateway.waitForPlaylist("lab/jump") { ParsedPlaylist($0).segments.count >= 1 }
        try await sending.value
        let text = try await gateway.waitForPlaylist("lab/jump") { $0.contains("#EXT-X-DISCONTINUITY") && ParsedPlaylist($0).segments.count >= 5 }
        let list = ParsedPlaylist(text)
        #expect(list.segments.filter(\.discontinuity).count == 1, "playlist: \(text)")
        let target = Double(list.targetDuration ?? 0)
        #expect(list.segments.allSatisfy { $0.duration > 0 && $0.duration <= target + 0.5 }, "durations \(list.segments.map(\.duration))")
        for segment in list.segments {
            let reply = try await HTTPClient.get("\(gateway.baseURL)/hls/lab/jump/\(segment.uri)")
            #expect(reply.status == 200)
            try await verifySegment(reply.body, codecs: ["h264", "aac"], name: segment.uri)
        }
        #expect(try await gateway.metric("fieldrelay_ingest_timeline_jumps_total") == 1)
        #expect(try await gateway.metric("fieldrelay_hls_mux_errors_total") == 0)
        await gateway.stop()
    }
}
