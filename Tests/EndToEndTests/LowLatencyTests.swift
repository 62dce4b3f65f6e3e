import Foundation
import Testing
import TestSupport

@Suite("End to end: Low-Latency HLS over real HTTP against ffmpeg", .serialized)
struct LowLatencyTests {
    func liveGateway(_ path: String, readRate: Double? = nil, seconds: Int = 16) async throws -> (RunningGateway, Subprocess) {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: seconds, keyframeSeconds: 1))
        var extra: [String] = []
        if let readRate { extra = ["-readrate", "\(readRate)"] }
        var arguments = ["-hide_banner", "-loglevel", "error"]
        arguments += readRate == nil ? ["-re", "-stream_loop", "-1"] : extra
        arguments += ["-i", clip.path, "-c", "copy", "-f", "mpegts", gateway.srtURL(streamID: path)]
        let camera = try Subprocess("ffmpeg", arguments)
        return (gateway, camera)
    }

    @Test("index.m3u8 is Low-Latency by default, ts.m3u8 classic, from the same stream")
    func whichPlaylist() async throws {
        let (gateway, camera) = try await liveGateway("lab/which")
        defer { camera.terminate() }
        let index = try await gateway.waitForPlaylist("lab/which", file: "index.m3u8") { $0.contains("#EXT-X-PART:") }
        #expect(index.contains("#EXT-X-PART-INF:PART-TARGET=0.200"))
        let ll = try await HTTPClient.get("\(gateway.baseURL)/hls/lab/which/ll.m3u8")
        #expect(ll.text.contains("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES"))
        let classic = try await gateway.waitForPlaylist("lab/which", file: "ts.m3u8") { $0.contains(".ts") }
        #expect(!classic.contains("#EXT-X-PART"))
        #expect(try await gateway.metric("fieldrelay_hls_packagers_active") == 2)
        await gateway.stop()
    }

    @Test("blocking reload holds until the part exists; the preload hint's part is answered when complete; bad directives 400")
    func blockingReload() async throws {
        let (gateway, camera) = try await liveGateway("lab/block")
        defer { camera.terminate() }
        let text = try await gateway.waitForPlaylist("lab/block", file: "ll.m3u8") { LowLatencyParsedPlaylist($0).preloadHint != nil }
        let playlist = LowLatencyParsedPlaylist(text)
        let hint = try #require(playlist.preloadHint)
        let (sequence, part) = try #require(LowLatencyParsedPlaylist.position(of: hint))
        // Ask for the hinted part's playlist and the hinted part itself at once: both are held.
        async let reload = HTTPClient.get("\(gateway.baseURL)/hls/lab/block/ll.m3u8?_HLS_msn=\(sequence)&_HLS_part=\(part)")
        async let hinted = HTTPClient.get("\(gateway.baseURL)/hls/lab/block/\(hint)")
        let (reloaded, partReply) = try await (reload, hinted)
        #expect(reloaded.status == 200)
        #expect(reloaded.text.contains("URI=\"\(hint)\""), "the answer lists the part it waited for")
        #expect(partReply.status == 200)
        #expect(partReply.header("Content-Type") == "video/mp4")
        #expect(String(decoding: partReply.body.prefix(8).suffix(4), as: UTF8.self) == "moof")

        let last = LowLatencyParsedPlaylist(reloaded.text).segments.last?.sequence ?? 0
        for bad in ["_HLS_part=1", "_HLS_msn=\(last + 3)", "_HLS_msn=abc", "_HLS_msn=1&_HLS_part=-1", "_HLS_skip=maybe"] {
            let reply = try await HTTPClient.get("\(gateway.baseURL)/hls/lab/block/ll.m3u8?\(bad)")
            #expect(reply.status == 400, "\(bad)")
        }
        // No more media: a request two segments ahead is answered 503 after three target durations.
        camera.terminate()
        _ = await camera.wait(timeout: .seconds(1))
        try await Task.sleep(for: .milliseconds(500))
        let edge = LowLatencyParsedPlaylist(try await HTTPClient.get("\(gateway.baseURL)/hls/lab/block/ll.m3u8").text).segments.last?.sequence ?? 0
        let ahead = try await HTTPClient.get("\(gateway.baseURL)/hls/lab/block/ll.m3u8?_HLS_msn=\(edge + 2)")
        #expect(ahead.status == 503)
        await gateway.stop()
    }

    @Test("curl -I: HEAD answers like GET for both playlists, a segment, and a blocking _HLS_msn request (it was 404)")
    func headAsCurlSendsIt() async throws {
        let (gateway, camera) = try await liveGateway("lab/head")
        defer { camera.terminate() }
        let text = try await gateway.waitForPlaylist("lab/head", file: "ll.m3u8") { LowLatencyParsedPlaylist($0).preloadHint != nil }
        let base = "\(gateway.baseURL)/hls/lab/head"
        func head(_ url: String) async throws -> (status: String, headers: [String: String]) {
            let (code, output, _) = try await Subprocess.run("curl", ["-sS", "-I", "--max-time", "20", url])
            #expect(code == 0, "curl -I \(url)")
            let lines = output.split(whereSeparator: \.isNewline)
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return (lines.first.map(String.init) ?? "", headers)
        }
        for file in ["ll.m3u8", "ts.m3u8", "index.m3u8"] {
            let reply = try await head("\(base)/\(file)")
            #expect(reply.status.hasPrefix("HTTP/1.1 200"), "HEAD \(file): \(reply.status)")
            #expect(reply.headers["content-type"] == "application/vnd.apple.mpegurl")
            #expect(Int(reply.headers["content-length"] ?? "") ?? 0 > 0)
        }
        let classic = try await HTTPClient.get("\(base)/ts.m3u8").text
        let segment = try #require(classic.split(separator: "\n").first { $0.hasSuffix(".ts") })
        let segmentHead = try await head("\(base)/\(segment)")
        #expect(segmentHead.status.hasPrefix("HTTP/1.1 200") && segmentHead.headers["content-type"] == "video/mp2t")
        // A blocking reload by HEAD is held until the hinted part exists, then answered 200.
        let hint = try #require(LowLatencyParsedPlaylist(text).preloadHint)
        let (sequence, part) = try #require(LowLatencyParsedPlaylist.position(of: hint))
        let held = try await head("\(base)/ll.m3u8?_HLS_msn=\(sequence + 1)&_HLS_part=\(part)")
        #expect(held.status.hasPrefix("HTTP/1.1 200"), "\(held.status)")
        #expect((try await head("\(base)/nothing.m4s")).status.hasPrefix("HTTP/1.1 404"))
        await gateway.stop()
    }

    @Test("delta updates: _HLS_skip=YES replaces the older segments with EXT-X-SKIP")
    func deltaUpdate() async throws {
        let (gateway, camera) = try await liveGateway("lab/delta", readRate: 4, seconds: 20)
        defer { camera.terminate() }
        let full = try await gateway.waitForPlaylist("lab/delta", file: "ll.m3u8", timeout: .seconds(40)) {
            LowLatencyParsedPlaylist($0).segments.filter { $0.uri != nil }.count >= 13
        }
        let delta = try await HTTPClient.get("\(gateway.baseURL)/hls/lab/delta/ll.m3u8?_HLS_skip=YES").text
        let parsedFull = LowLatencyParsedPlaylist(full)
        let parsedDelta = LowLatencyParsedPlaylist(delta)
        #expect(parsedDelta.version == 9)
        #expect(parsedDelta.skipped > 0)
        #expect(parsedDelta.mediaSequence == parsedFull.mediaSequence)
        #expect(delta.contains("#EXT-X-MAP:"))
        let remaining = parsedDelta.segments.reduce(0.0) { $0 + $1.duration }
        #expect(remaining >= (parsedDelta.canSkipUntil ?? 0))
        await gateway.stop()
    }

    @Test("a Low-Latency client following the specification stays about a second behind, and its parts decode")
    func lowLatencyClient() async throws {
        let (gateway, camera) = try await liveGateway("lab/client")
        defer { camera.terminate() }
        let base = "\(gateway.baseURL)/hls/lab/client"
        var playlist = LowLatencyParsedPlaylist(try await gateway.waitForPlaylist("lab/client", file: "index.m3u8") {
            LowLatencyParsedPlaylist($0).preloadHint != nil
        })
        let map = try #require(playlist.segments.last?.map)
        var media = try await HTTPClient.get("\(base)/\(map)").body
        // Start PART-HOLD-BACK from the live edge (rfc8216bis 6.3.3): the next part after the last listed.
        var delays: [Double] = []
        let stop = ContinuousClock.now + .seconds(8)
        var next = try #require(playlist.preloadHint.flatMap(LowLatencyParsedPlaylist.position))
        while ContinuousClock.now < stop {
            let reply = try await HTTPClient.get("\(base)/ll.m3u8?_HLS_msn=\(next.0)&_HLS_part=\(next.1)")
            #expect(reply.status == 200)
            playlist = LowLatencyParsedPlaylist(reply.text)
            guard let segment = playlist.segments.first(where: { $0.sequence == next.0 }), next.1 < segment.parts.count else {
                // The segment ended before that part: go on with the next segment's first part.
                next = (next.0 + 1, 0)
                continue
            }
            let part = segment.parts[next.1]
            let bytes = try await HTTPClient.get("\(base)/\(part.uri)")
            #expect(bytes.status == 200)
            media += bytes.body
            if let start = segment.programDateTime {
                let end = start.addingTimeInterval(segment.parts[...next.1].reduce(0) { $0 + $1.duration })
                delays.append(Date().timeIntervalSince(end))
            }
            next = (next.0, next.1 + 1)
        }
        let sorted = delays.sorted()
        let median = sorted.isEmpty ? 99 : sorted[sorted.count / 2]
        print("Low-Latency client: \(delays.count) parts, each fetched a median \(String(format: "%.3f", median)) s after the gateway received its last frame")
        #expect(delays.count >= 25, "about five parts a second")
        // Functional bound, not a benchmark: a client on whole segments would be 3+ s behind.
        #expect(median < 1.5)
        let file = Clips.directory.appendingPathComponent("ll-client-\(UUID().uuidString).mp4")
        try media.write(to: file)
        let (decode, _, errors) = try await Subprocess.run("ffmpeg", ["-v", "error", "-i", file.path, "-f", "null", "-"])
        #expect(decode == 0 && errors.isEmpty, "\(errors)")
        await gateway.stop()
    }
}
