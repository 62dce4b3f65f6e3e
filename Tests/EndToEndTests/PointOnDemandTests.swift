import Foundation
import RelayApp
import StreamHub
import Testing
import TestSupport

/// Surveillance points pulled on demand (issue 15 §2), driven as a hall would: a point registered
/// through the API with its camera on GStreamer's RTSP server, then HLS playlists asked for.
@Suite("Points on demand: pulled over RTSP when someone asks, let go when nobody watches", .serialized)
struct PointOnDemandTests {
    static let area = "520602001201"

    func register(_ gateway: RunningGateway, id: String, url: String, username: String? = nil, password: String? = nil) async throws {
        var source: [String: Any] = ["kind": "rtsp", "url": url, "transport": "tcp"]
        if let username, let password { source["username"] = username; source["password"] = password }
        let reply = try await gateway.client(gateway.adminToken).request("POST", "/api/v1/points", json: [
            "id": id, "name": "桥头天网 \(id)", "network": "skynet", "areaCode": Self.area,
            "latitude": 27.7215, "longitude": 109.1903, "source": source])
        #expect(reply.status == 201, "\(reply.text)")
    }

    func playlist(_ gateway: RunningGateway, _ id: String, token: String) async throws -> HTTPClient.Reply {
        try await HTTPClient.get("\(gateway.baseURL)/hls/point/\(id)/ts.m3u8", headers: ["Authorization": "Bearer \(token)"])
    }

    func state(_ gateway: RunningGateway, _ id: String) async throws -> String? {
        try await gateway.client(gateway.adminToken).must("GET", "/api/v1/points/\(id)").string("state")
    }

    @Test("ten halls ask for a cold point at once: one pull, every playlist answered, segments decode; let go when idle")
    func coldPointSharedThenReleased() async throws {
        let file = try await RTSPClips.make(.init(video: .h264, audio: .aac))
        let server = try await RTSPTestServer.start([.init(path: "/bridge", file: file, video: "h264", audio: "aac", shared: true)])
        let gateway = try await RunningGateway.start {
            $0.points.idleSeconds = 2
            $0.hls.packagerIdleSeconds = 5
        }
        do {
            try await register(gateway, id: "bridge-0001", url: server.url("/bridge"))
            #expect(try await state(gateway, "bridge-0001") == "idle")
            let county = try await gateway.organisationToken("520602")
            let admin = gateway.adminToken
            let replies = try await withThrowingTaskGroup(of: Int.self) { group in
                for number in 0..<10 {
                    group.addTask { try await playlist(gateway, "bridge-0001", token: number.isMultiple(of: 2) ? admin : county).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(replies == Array(repeating: 200, count: 10), "\(replies)")
            #expect(gateway.application.pulls.all.count == 1, "one pull for ten viewers")
            #expect(try await state(gateway, "bridge-0001") == "live")
            #expect(try await gateway.metric("fieldrelay_point_pulls{state=\"live\"}") == 1)
            let text = try await gateway.waitForPlaylist("point/bridge-0001", token: admin, timeout: .seconds(15)) { ParsedPlaylist($0).segments.count >= 1 }
            let segment = try #require(ParsedPlaylist(text).segments.first)
            let uri = segment.uri.hasPrefix("/") ? segment.uri : "/hls/point/bridge-0001/\(segment.uri)"
            let body = try await HTTPClient.get(gateway.baseURL + uri, headers: ["Authorization": "Bearer \(admin)"])
            #expect(body.status == 200)
            try await verifySegment(body.body, codecs: ["h264", "aac"], name: segment.uri)

            // Nobody asks any more: the packagers go idle, then the pull stops.
            try await waitFor("the idle point let go", timeout: .seconds(30)) { gateway.application.pulls.all.isEmpty }
            #expect(try await state(gateway, "bridge-0001") == "idle")
            #expect(try await gateway.metric("fieldrelay_point_pulls{state=\"live\"}") == 0)
            // Asked again: pulled again.
            #expect(try await playlist(gateway, "bridge-0001", token: admin).status == 200)
        } catch {
            await gateway.stop()
            await server.stop()
            throw error
        }
        await gateway.stop()
        await server.stop()
    }

    @Test("a camera that refuses, or rejects the password: 503 with the reason; a disabled point 409; credentials in no answer or log line")
    func refusals() async throws {
        let password = "s3cr3t-PASS-\(UInt32.random(in: 1000...9999))"
        let file = try await RTSPClips.make(.init(video: .h264, audio: .aac))
        let server = try await RTSPTestServer.start([.init(path: "/secure", file: file, video: "h264", audio: "aac")],
                                                    authentication: (.digest, user: "operator", password: password))
        let log = LogCapture(echo: ProcessInfo.processInfo.environment["FIELDRELAY_TEST_LOG"] != nil)
        let gateway = try await RunningGateway.start(logger: log.logger) {
            $0.log.level = "info"
            $0.points.startTimeoutSeconds = 5
        }
        var answers: [String] = []
        do {
            try await register(gateway, id: "wrong-pass-01", url: server.url("/secure"), username: "operator", password: "not-\(password)")
            try await register(gateway, id: "refusing-001", url: "rtsp://127.0.0.1:1/live")
            try await register(gateway, id: "right-pass-01", url: server.url("/secure"), username: "operator", password: password)
            let admin = gateway.adminToken

            let wrong = try await playlist(gateway, "wrong-pass-01", token: admin)
            answers.append(wrong.text)
            #expect(wrong.status == 503 && wrong.text.contains("camera_authentication_failed"), "\(wrong.status) \(wrong.text)")
            let refused = try await playlist(gateway, "refusing-001", token: admin)
            answers.append(refused.text)
            #expect(refused.status == 503 && refused.text.contains("camera_refused"), "\(refused.status) \(refused.text)")
            // Another county's hall: outside its jurisdiction, refused before anything is pulled.
            let outsider = try await playlist(gateway, "refusing-001", token: try await gateway.organisationToken("520603"))
            #expect(outsider.status == 403, "\(outsider.status) \(outsider.text)")
            let unknown = try await playlist(gateway, "no-such-point", token: admin)
            #expect(unknown.status == 404, "\(unknown.status) \(unknown.text)")

            let right = try await playlist(gateway, "right-pass-01", token: admin)
            answers.append(right.text)
            #expect(right.status == 200, "\(right.status) \(right.text)")
            answers.append(try await gateway.client(admin).request("GET", "/api/v1/points/right-pass-01").text)

            // Disabled while watched: the pull stops at once, and the next request is refused.
            let disabled = try await gateway.client(admin).request("PATCH", "/api/v1/points/right-pass-01", json: ["enabled": false])
            #expect(disabled.status == 200, "\(disabled.text)")
            #expect(gateway.application.pulls.pull(for: try PathName("point/right-pass-01")) == nil)
            let after = try await playlist(gateway, "right-pass-01", token: admin)
            #expect(after.status == 409 && after.text.contains("point_disabled"), "\(after.status) \(after.text)")
        } catch {
            await gateway.stop()
            await server.stop()
            throw error
        }
        await gateway.stop()
        await server.stop()
        for text in answers + [log.text] {
            #expect(!text.contains(password), "a password appeared in an answer or the log")
        }
    }
}
