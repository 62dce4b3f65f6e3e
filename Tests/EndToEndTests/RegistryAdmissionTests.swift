import Foundation
import RoomRegistry
import Testing
import TestSupport

@Suite("Admission through the registry: keys, unknown sources, revocation, live status", .serialized)
struct RegistryAdmissionTests {
    static let room = "room/520602001201"

    func waitForStatus(_ gateway: RunningGateway, _ path: String, _ wanted: SourceStatus, timeout: Duration = .seconds(15)) async throws -> SourceStatus {
        let deadline = ContinuousClock.now + timeout
        var status = gateway.application.registry.status.status(path: path).status
        while status != wanted && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            status = gateway.application.registry.status.status(path: path).status
        }
        return status
    }

    @Test("a room publishes with its provisioned key; HLS needs the admin token, which the playlist passes on")
    func rightKey() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let camera = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.room), loop: true)
        defer { camera.terminate() }
        let token = gateway.adminToken
        let text = try await gateway.waitForPlaylist(Self.room, token: token) { ParsedPlaylist($0).segments.count >= 2 }
        let segments = ParsedPlaylist(text).segments
        #expect(segments.allSatisfy { $0.uri.contains("?token=frv1.admin.") }, "a short-lived viewer token, never the admin token, rides on every segment URI")
        let segment = try await HTTPClient.get("\(gateway.baseURL)/hls/\(Self.room)/\(segments[0].uri)")
        #expect(segment.status == 200)
        try await verifySegment(segment.body, codecs: ["h264", "aac"], name: "room.ts")

        #expect(try await HTTPClient.get("\(gateway.baseURL)/hls/\(Self.room)/index.m3u8").status == 401)
        #expect(try await HTTPClient.get("\(gateway.baseURL)/hls/\(Self.room)/index.m3u8?token=forged").status == 403)
        let bearer = try await HTTPClient.get("\(gateway.baseURL)/hls/\(Self.room)/index.m3u8", headers: ["Authorization": "Bearer \(token)"])
        #expect(bearer.status == 200)
        let bare = segments[0].uri.split(separator: "?").first.map(String.init) ?? ""
        #expect(try await HTTPClient.get("\(gateway.baseURL)/hls/\(Self.room)/\(bare)").status == 401, "segments are guarded too")

        #expect(try await waitForStatus(gateway, Self.room, .online) == .online)
        let live = gateway.application.registry.status.status(path: Self.room)
        #expect((live.bitrate ?? 0) > 0)
        #expect(live.rttMs != nil)
        // The path list shows registered sources to the admin only.
        let anonymous = try await HTTPClient.get("\(gateway.baseURL)/api/v1/paths").text
        #expect(!anonymous.contains("520602001201"))
        let asAdmin = try await HTTPClient.get("\(gateway.baseURL)/api/v1/paths", headers: ["Authorization": "Bearer \(token)"]).text
        #expect(asAdmin.contains("520602001201"))
        await gateway.stop()
    }

    @Test("a wrong key fails inside the SRT handshake and is counted as admitted but never accepted")
    func wrongKey() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 2, keyframeSeconds: 1))
        let attempt = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.room, passphrase: "WrongWrongWrongWrong1234") + "&connect_timeout=3000")
        #expect(await attempt.wait(timeout: .seconds(20)) != 0)
        let admitted = try await gateway.metric("fieldrelay_srt_handshakes_admitted_total") ?? 0
        let accepted = try await gateway.metric("fieldrelay_srt_connections_accepted_total") ?? 0
        #expect(admitted - accepted >= 1)
        #expect(gateway.application.paths.allPaths().isEmpty)
        // No key at all is refused too (libsrt enforces encryption when the listener set a passphrase).
        let noKey = try gateway.publish(clip, streamID: Self.room)
        #expect(await noKey.wait(timeout: .seconds(20)) != 0)
        await gateway.stop()
    }

    @Test("a caller trying keys for one room is held to srt.maxPendingHandshakesPerStream tries at a time (1402); other rooms go on, and the room opens again when the tries expire")
    func keyGuessingThrottled() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let tries = 8
        let wrong = try await gateway.provisionedURL(Self.room, passphrase: "WrongWrongWrongWrong1234") + "&connect_timeout=3000"
        var attempts: [Subprocess] = []
        for _ in 0..<tries { attempts.append(try gateway.publish(clip, url: wrong)) }
        for attempt in attempts { #expect(await attempt.wait(timeout: .seconds(20)) != 0) }
        let throttled = try await gateway.metric("fieldrelay_srt_handshakes_throttled_total") ?? 0
        // At most 4 wrong-key handshakes reach libsrt's key check at a time (each holds its place for
        // 5 s, longer than ffmpeg's 3 s connect timeout); every other caller is refused before it.
        #expect(throttled >= Double(tries) - 4, "throttled \(throttled)")
        #expect(try await gateway.metric("fieldrelay_srt_rejections_total{code=\"1402\"}") == throttled)
        // Another room from the same address is not held by the first room's failures.
        let other = "room/520602001202"
        let otherCamera = try gateway.publish(clip, url: try await gateway.provisionedURL(other), loop: true)
        defer { otherCamera.terminate() }
        #expect(try await waitForStatus(gateway, other, .online) == .online)
        // The tries count for 5 s after their handshake; then the right key gets in.
        try await Task.sleep(for: .seconds(6))
        let camera = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.room), loop: true)
        defer { camera.terminate() }
        #expect(try await waitForStatus(gateway, Self.room, .online) == .online)
        await gateway.stop()
    }

    @Test("unknown and malformed sources are refused: 1404 and 1400")
    func unknownSources() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 2, keyframeSeconds: 1))
        for streamID in ["room/520602999999", "cam/no-such-camera", "hall/999999", "room/12345"] {
            let attempt = try gateway.publish(clip, streamID: streamID + "&connect_timeout=3000")
            #expect(await attempt.wait(timeout: .seconds(20)) != 0, "\(streamID)")
        }
        #expect(try await gateway.metric("fieldrelay_srt_rejections_total{code=\"1404\"}") == 3)
        #expect(try await gateway.metric("fieldrelay_srt_rejections_total{code=\"1400\"}") == 1)
        await gateway.stop()
    }

    @Test("an SRT publisher naming point/… is refused as not publishable (1403), registered point or not")
    func pointsDoNotPublish() async throws {
        let gateway = try await RunningGateway.start()
        let point = try await gateway.application.registry.createPoint(PointDraft(
            id: "52060200001320000001", name: "桥头天网01", network: "skynet", areaCode: "520602001201",
            latitude: 27.72, longitude: 109.19, url: "rtsp://127.0.0.1:8554/bridge"))
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 2, keyframeSeconds: 1))
        for streamID in [point.sourcePath, "point/not-registered-01"] {
            let attempt = try gateway.publish(clip, streamID: streamID + "&connect_timeout=3000")
            #expect(await attempt.wait(timeout: .seconds(20)) != 0, "\(streamID)")
        }
        #expect(try await gateway.metric("fieldrelay_srt_rejections_total{code=\"1403\"}") == 2)
        #expect(gateway.application.paths.allPaths().isEmpty)
        await gateway.stop()
    }

    @Test("revoking a live body camera cuts it off at once; it cannot come back (1403)")
    func revokeWhileLive() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let path = "cam/bc-520602001"
        let url = try await gateway.provisionedURL(path)
        let camera = try gateway.publish(clip, url: url, loop: true)
        defer { camera.terminate() }
        _ = try await gateway.waitForPlaylist(path, token: gateway.adminToken) { ParsedPlaylist($0).segments.count >= 1 }
        let revokedAt = ContinuousClock.now
        _ = try await gateway.application.registry.revokeDevice(id: "bc-520602001")
        // The server closes the connection; ffmpeg then ends by itself.
        let status = await camera.wait(timeout: .seconds(15))
        #expect(status != 0 || !camera.isRunning)
        #expect(ContinuousClock.now - revokedAt < .seconds(10))
        let state = gateway.application.paths.allPaths().first { $0.name.description == path }?.snapshot.status
        #expect(state == .reconnecting)
        let again = try gateway.publish(clip, url: url + "&connect_timeout=3000")
        #expect(await again.wait(timeout: .seconds(20)) != 0)
        #expect(try await gateway.metric("fieldrelay_srt_rejections_total{code=\"1403\"}") == 1)
        await gateway.stop()
    }

    @Test("rotating a room's key cuts the live connection; the old key no longer works, the new one does")
    func rotateKey() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let old = try await gateway.provisionedURL(Self.room)
        let camera = try gateway.publish(clip, url: old, loop: true)
        defer { camera.terminate() }
        _ = try await gateway.waitForPlaylist(Self.room, token: gateway.adminToken) { ParsedPlaylist($0).segments.count >= 1 }
        let rotated = try await gateway.application.registry.rotateKey(path: Self.room)
        #expect(KeyGenerator.isPassphrase(rotated.passphrase))
        #expect(await camera.wait(timeout: .seconds(15)) != 0 || !camera.isRunning)
        let stale = try gateway.publish(clip, url: old + "&connect_timeout=3000")
        #expect(await stale.wait(timeout: .seconds(20)) != 0)
        let fresh = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.room))
        defer { fresh.terminate() }
        let text = try await gateway.waitForPlaylist(Self.room, token: gateway.adminToken) { text in
            ParsedPlaylist(text).segments.contains { $0.discontinuity }
        }
        #expect(text.contains("#EXT-X-DISCONTINUITY"))
        await gateway.stop()
    }

    @Test("the same source reconnecting replaces its own connection at once")
    func sameSourceReplaces() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let url = try await gateway.provisionedURL(Self.room)
        let first = try gateway.publish(clip, url: url, loop: true)
        defer { first.terminate() }
        _ = try await gateway.waitForPlaylist(Self.room, token: gateway.adminToken) { ParsedPlaylist($0).segments.count >= 1 }
        let second = try gateway.publish(clip, url: url, loop: true)
        defer { second.terminate() }
        // The first connection is closed by the server; the second publishes.
        #expect(await first.wait(timeout: .seconds(15)) != 0 || !first.isRunning)
        #expect(second.isRunning)
        #expect(try await gateway.metric("fieldrelay_srt_rejections_total{code=\"1409\"}") == nil)
        await gateway.stop()
    }

    @Test("after a restart every source starts offline; the registry is not seeded twice")
    func statusAfterRestart() async throws {
        let data = Clips.directory.appendingPathComponent("restart-\(UUID().uuidString)").path
        let gateway = try await RunningGateway.start(dataDirectory: data)
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let camera = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.room), loop: true)
        #expect(try await waitForStatus(gateway, Self.room, .online) == .online)
        let token = gateway.adminToken
        await gateway.stop(keepData: true)
        camera.terminate()
        let attributes = try FileManager.default.attributesOfItem(atPath: data + "/admin.token")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let restarted = try await RunningGateway.start(dataDirectory: data)
        #expect(restarted.adminToken == token, "the admin token survives restarts")
        #expect(restarted.application.registry.status.status(path: Self.room).status == .offline)
        let counts = try await restarted.application.registry.counts()
        #expect(counts.rooms == 2911 && counts.counties == 10 && counts.townships == 181)
        await restarted.stop()
    }
}
