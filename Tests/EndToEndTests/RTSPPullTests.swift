import Foundation
import MediaRemux
import RelayApp
import StreamHub
import Testing
import TestSupport

/// Waits until the pull's state satisfies `condition`; returns it.
@discardableResult
func waitForState(_ pull: RTSPPull, timeout: Duration = .seconds(15), _ condition: (RTSPPull.State) -> Bool) async throws -> RTSPPull.State {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        let state = pull.state
        if condition(state) { return state }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestFailure("pull of \(pull.path) never reached the state; last: \(pull.state)")
}

func isFailing(_ kind: RTSPPull.Failure.Kind) -> (RTSPPull.State) -> Bool {
    { state in
        if case .failing(let reason, _) = state { return reason.kind == kind }
        return false
    }
}

@Suite("End to end: RTSP cameras (GStreamer's RTSP server) pulled into paths, read as HLS", .serialized)
struct RTSPPullTests {
    /// Pulls `url` into `path` and checks the first classic segments decode with `codecs`.
    func pullAndDecode(_ gateway: RunningGateway, url: String, path: String, codecs: Set<String>,
                       transport: RTSPSource.Configuration.Transport = .tcp, segments: Int = 2) async throws -> RTSPPull {
        let pull = gateway.application.pulls.start(try PathName(path), .init(source: .init(url: url, transport: transport)))
        try await waitForState(pull) { $0 == .live }
        let text = try await gateway.waitForPlaylist(path, timeout: .seconds(15)) { ParsedPlaylist($0).segments.count >= segments }
        for segment in ParsedPlaylist(text).segments.prefix(segments) {
            let reply = try await HTTPClient.get("\(gateway.baseURL)/hls/\(path)/\(segment.uri)")
            #expect(reply.status == 200)
            try await verifySegment(reply.body, codecs: codecs, name: segment.uri)
        }
        return pull
    }

    @Test("H.264 with B-frames + AAC (RFC 3640) over RTP in the RTSP connection: classic segments decode with h264 and aac")
    func h264AAC() async throws {
        let file = try await RTSPClips.make(.init(video: .h264, audio: .aac))
        let server = try await RTSPTestServer.start([.init(path: "/cam", file: file, video: "h264", audio: "aac")])
        let gateway = try await RunningGateway.start()
        let pull = try await pullAndDecode(gateway, url: server.url("/cam"), path: "lab/rtsp264", codecs: ["h264", "aac"])
        #expect(pull.droppedStreams.isEmpty)
        #expect(pull.report.staleUnitsDropped == 0)
        await gateway.stop()
        await server.stop()
    }

    @Test("H.265 + AAC in MP4A-LATM (RFC 6416) over UDP: classic segments decode with hevc and aac")
    func hevcLATMOverUDP() async throws {
        let file = try await RTSPClips.make(.init(video: .hevc, audio: .aac, preset: "ultrafast"))
        let server = try await RTSPTestServer.start([.init(path: "/hevc", file: file, video: "h265", audio: "latm")])
        let gateway = try await RunningGateway.start()
        _ = try await pullAndDecode(gateway, url: server.url("/hevc"), path: "lab/rtsp265", codecs: ["hevc", "aac"], transport: .udp)
        await gateway.stop()
        await server.stop()
    }

    @Test("H.264 + G.711 A-law: video only; the audio is dropped, counted, with the reason")
    func g711Dropped() async throws {
        let file = try await RTSPClips.make(.init(video: .h264, audio: .pcma))
        let server = try await RTSPTestServer.start([.init(path: "/pcma", file: file, video: "h264", audio: "pcma")])
        let gateway = try await RunningGateway.start()
        let pull = try await pullAndDecode(gateway, url: server.url("/pcma"), path: "lab/rtsppcma", codecs: ["h264"])
        let dropped = try #require(pull.droppedStreams.first)
        #expect(pull.droppedStreams.count == 1)
        #expect(dropped.codecName == "pcm_alaw")
        #expect(dropped.reason.contains("G.711 A-law") && dropped.reason.contains("video only"))
        #expect(dropped.packets > 0)
        await gateway.stop()
        await server.stop()
    }

    @Test("parameter sets only in the SDP (sprop-parameter-sets, none in band): segments still decode")
    func parameterSetsOnlyInSDP() async throws {
        let file = try await RTSPClips.make(.init(video: .h264, audio: .aac))
        let server = try await RTSPTestServer.start([.init(path: "/sprop", file: file, video: "h264", audio: "aac", spropOnly: true)])
        let gateway = try await RunningGateway.start()
        _ = try await pullAndDecode(gateway, url: server.url("/sprop"), path: "lab/rtspsprop", codecs: ["h264", "aac"])
        await gateway.stop()
        await server.stop()
    }

    @Test("a camera with a 6 s GOP, joined mid-GOP: live within the start timeout")
    func longGOP() async throws {
        let file = try await RTSPClips.make(.init(video: .h264, audio: .none, seconds: 40, keyframeSeconds: 6, preset: "ultrafast"))
        let server = try await RTSPTestServer.start([.init(path: "/gop6", file: file, video: "h264", shared: true)])
        // Another viewer keeps the shared pipeline playing, so the pull joins a GOP under way.
        let viewer = try Subprocess("ffmpeg", ["-hide_banner", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", server.url("/gop6"),
                                               "-c", "copy", "-f", "null", "-"])
        try await Task.sleep(for: .seconds(2))
        let gateway = try await RunningGateway.start()
        let started = ContinuousClock.now
        let pull = gateway.application.pulls.start(try PathName("lab/rtspgop6"), .init(source: .init(url: server.url("/gop6"))))
        try await waitForState(pull, timeout: .seconds(16)) { $0 == .live }
        let waited = ContinuousClock.now - started
        #expect(waited > .seconds(2), "joined mid-GOP: the first keyframe comes seconds later (\(waited))")
        #expect(waited < .seconds(15))
        viewer.killNow()
        await gateway.stop()
        await server.stop()
    }

    /// Digest with libavformat's usual log; Basic with all of it (at its trace level it prints every
    /// RTSP request, `Authorization: Basic <user:password in Base64>` included).
    @Test("authentication: the right password goes live, a wrong one or none fails with \"authentication failed\"; no password is ever logged",
          arguments: [RTSPTestServer.Authentication.digest, .basic])
    func authentication(_ method: RTSPTestServer.Authentication) async throws {
        let password = "Tr0ub4dor&3-\(UInt32.random(in: 1000...9999))"
        let wrong = "wrong-\(UInt32.random(in: 100_000...999_999))"
        let file = try await RTSPClips.make(.init(video: .h264, audio: .aac))
        let server = try await RTSPTestServer.start([.init(path: "/secure", file: file, video: "h264", audio: "aac")],
                                                    authentication: (method, user: "operator", password: password))
        let log = LogCapture(echo: ProcessInfo.processInfo.environment["FIELDRELAY_TEST_LOG"] != nil)
        let gateway = try await RunningGateway.start(logger: log.logger) { $0.log.level = "trace" }
        if method == .basic { FFmpegLog.setVerbosity(.everything) }
        defer { FFmpegLog.setVerbosity(.warnings) }
        let good = gateway.application.pulls.start(try PathName("lab/rtspauth"), .init(source: .init(
            url: server.url("/secure"), username: "operator", password: password)))
        let bad = gateway.application.pulls.start(try PathName("lab/rtspbad"), .init(source: .init(
            url: server.url("/secure"), username: "operator", password: wrong)))
        let none = gateway.application.pulls.start(try PathName("lab/rtspnone"), .init(source: .init(url: server.url("/secure"))))
        try await waitForState(good) { $0 == .live }
        let state = try await waitForState(bad, isFailing(.authenticationFailed))
        #expect(state.description.contains("authentication failed"))
        try await waitForState(none, isFailing(.authenticationFailed))
        _ = try await gateway.waitForPlaylist("lab/rtspauth", timeout: .seconds(15)) { ParsedPlaylist($0).segments.count >= 1 }
        await gateway.stop()
        await server.stop()
        let text = log.text
        #expect(text.contains("RTSP camera live"), "the capture sees the gateway's log")
        #expect(text.contains("authentication failed"))
        #expect(!text.contains(password), "the password never appears in the log")
        #expect(!text.contains(wrong))
        #expect(!text.contains(RTSPSource.Configuration.percentEncoded(password)))
        #expect(!text.contains("operator:"), "no user information in a logged URL")
        let basic = Data("operator:\(password)".utf8).base64EncodedString()
        #expect(!text.contains(basic), "nor the Basic header's Base64")
        if method == .basic {
            #expect(text.contains("Authorization: ***"), "libavformat's requests were logged, their credentials masked")
        }
    }

    @Test("nothing listening: failing with \"refused\", retried with back-off")
    func refused() async throws {
        let port = try freeTCPPort()
        let gateway = try await RunningGateway.start()
        let pull = gateway.application.pulls.start(try PathName("lab/rtsprefused"), .init(
            source: .init(url: "rtsp://127.0.0.1:\(port)/none"), initialBackoff: .milliseconds(200), maxBackoff: .seconds(1)))
        let state = try await waitForState(pull, isFailing(.refused))
        #expect(state.description.contains("refused"))
        try await waitFor("retries", timeout: .seconds(5)) { pull.sessions >= 3 }
        if case .failing(_, let since) = pull.state {
            #expect(Date().timeIntervalSince(since) > 0.2, "failing since the first refusal, not the last")
        }
        #expect(gateway.application.paths.path(try PathName("lab/rtsprefused")) == nil, "no path for a camera that never came up")
        await gateway.stop()
    }

    @Test("a camera that accepts the connection and never answers: failing with \"timed out\" after the connect timeout")
    func timedOut() async throws {
        let (listener, port) = try silentTCPListener()
        defer { close(listener) }
        let gateway = try await RunningGateway.start()
        let started = ContinuousClock.now
        let pull = gateway.application.pulls.start(try PathName("lab/rtspsilent"), .init(
            source: .init(url: "rtsp://127.0.0.1:\(port)/x", connectTimeout: .seconds(1)), initialBackoff: .seconds(5)))
        let state = try await waitForState(pull, timeout: .seconds(5), isFailing(.timedOut))
        #expect(state.description.contains("timed out"))
        #expect(ContinuousClock.now - started < .seconds(4))
        await gateway.stop()
    }

    @Test("an audio-only camera: failing with \"no video\"")
    func noVideo() async throws {
        let file = try await RTSPClips.make(.init(video: .none, audio: .aac, seconds: 20))
        let server = try await RTSPTestServer.start([.init(path: "/mic", file: file, video: "none", audio: "aac")])
        let gateway = try await RunningGateway.start()
        let pull = gateway.application.pulls.start(try PathName("lab/rtspmic"), .init(source: .init(url: server.url("/mic")),
                                                                                         initialBackoff: .seconds(5)))
        let state = try await waitForState(pull, isFailing(.noVideo))
        #expect(state.description.contains("no video") && state.description.contains("aac"))
        await gateway.stop()
        await server.stop()
    }

    @Test("the camera killed mid-stream and back on the same port: the path continues after EXT-X-DISCONTINUITY")
    func reconnect() async throws {
        let file = try await RTSPClips.make(.init(video: .h264, audio: .aac))
        let server = try await RTSPTestServer.start([.init(path: "/flaky", file: file, video: "h264", audio: "aac")])
        let gateway = try await RunningGateway.start()
        let pull = gateway.application.pulls.start(try PathName("lab/rtspflaky"), .init(
            source: .init(url: server.url("/flaky"), readTimeout: .seconds(3)), initialBackoff: .milliseconds(300), maxBackoff: .seconds(1)))
        try await waitForState(pull) { $0 == .live }
        let before = ParsedPlaylist(try await gateway.waitForPlaylist("lab/rtspflaky", timeout: .seconds(15)) { ParsedPlaylist($0).segments.count >= 2 })
        server.kill()
        try await waitForState(pull, timeout: .seconds(8)) { if case .failing = $0 { true } else { false } }
        let again = try await server.restart()
        try await waitForState(pull, timeout: .seconds(10)) { $0 == .live }
        let after = ParsedPlaylist(try await gateway.waitForPlaylist("lab/rtspflaky", timeout: .seconds(15)) { text in
            let playlist = ParsedPlaylist(text)
            return playlist.segments.contains(where: \.discontinuity) && playlist.segments.last?.discontinuity == false
        })
        #expect(!after.ended)
        #expect(after.mediaSequence + after.segments.count > before.mediaSequence + before.segments.count, "the same playlist went on")
        let resumed = try #require(after.segments.firstIndex { $0.discontinuity })
        for segment in after.segments[resumed...].prefix(2) {
            let reply = try await HTTPClient.get("\(gateway.baseURL)/hls/lab/rtspflaky/\(segment.uri)")
            try await verifySegment(reply.body, codecs: ["h264", "aac"], name: segment.uri)
        }
        #expect(pull.sessions >= 2)
        await gateway.stop()
        await again.stop()
    }
}

/// A loopback TCP port nothing listens on (bound, read, closed).
func freeTCPPort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw TestFailure("socket") }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
    }
    guard bound else { throw TestFailure("bind") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A loopback TCP socket that listens and never accepts: connections complete in the kernel's
/// backlog and then hear nothing (a camera that hangs). Returns the socket and its port.
func silentTCPListener() throws -> (Int32, Int) {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw TestFailure("socket") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let listening = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            Glibc.bind(socket, $0, length) == 0 && listen(socket, 8) == 0 && getsockname(socket, $0, &length) == 0
        }
    }
    guard listening else {
        close(socket)
        throw TestFailure("listen")
    }
    return (socket, Int(UInt16(bigEndian: address.sin_port)))
}
