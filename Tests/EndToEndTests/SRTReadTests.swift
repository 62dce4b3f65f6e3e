import Foundation
import Testing
import TestSupport

@Suite("SRT read: hardware decoders (played by ffmpeg) on the same SRT port", .serialized)
struct SRTReadTests {
    /// Reads `seconds` of a path over SRT with ffmpeg into a file; returns (exit status, file).
    func read(_ gateway: RunningGateway, streamID: String, passphrase: String? = nil, seconds: Int = 3) async throws -> (Int32, URL) {
        let file = Clips.directory.appendingPathComponent("read-\(UUID().uuidString).ts")
        var url = "srt://127.0.0.1:\(gateway.srtPort)?streamid=\(streamID)&latency=200000&connect_timeout=3000"
        if let passphrase { url += "&passphrase=\(passphrase)&pbkeylen=16" }
        let reader = try Subprocess("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", url, "-t", "\(seconds)", "-c", "copy", "-y", file.path])
        return (await reader.wait(timeout: .seconds(30)), file)
    }

    func decodes(_ file: URL) async throws -> Set<String> {
        let (status, streams, _) = try await Subprocess.run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", file.path])
        #expect(status == 0)
        let (decode, _, errors) = try await Subprocess.run("ffmpeg", ["-v", "error", "-i", file.path, "-f", "null", "-"])
        #expect(decode == 0 && errors.isEmpty, "\(errors)")
        return Set(streams.split(separator: "\n").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ", ")) })
    }

    @Test("a lab path is readable with m=request and read:, starting at a keyframe; a path that is not live is 1404")
    func labRead() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let camera = try gateway.publish(clip, streamID: "lab/deck", loop: true)
        defer { camera.terminate() }
        _ = try await gateway.waitForPlaylist("lab/deck") { ParsedPlaylist($0).segments.count >= 1 }
        for streamID in ["#!::r=lab/deck,m=request", "read:lab/deck"] {
            let (status, file) = try await read(gateway, streamID: streamID)
            #expect(status == 0)
            #expect(try await decodes(file) == ["h264", "aac"])
        }
        let (missing, _) = try await read(gateway, streamID: "read:lab/nobody")
        #expect(missing != 0)
        #expect(try await gateway.metric("fieldrelay_srt_rejections_total{code=\"1404\"}") == 1)
        // Readers never disturb the publisher's playlist.
        let playlist = ParsedPlaylist(try await gateway.waitForPlaylist("lab/deck") { _ in true })
        #expect(!playlist.segments.contains { $0.discontinuity })
        await gateway.stop()
    }

    @Test("a registered room is read with u=<org> and that organisation's read key, under the viewing rules")
    func registeredRead() async throws {
        let gateway = try await RunningGateway.start()
        let room = "room/520602001201"
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let camera = try gateway.publish(clip, url: try await gateway.provisionedURL(room), loop: true)
        defer { camera.terminate() }
        _ = try await gateway.waitForPlaylist(room, token: gateway.adminToken) { ParsedPlaylist($0).segments.count >= 1 }
        let keys = gateway.application.reporting.srtReadKeys
        // The admin, and the room's own county, read it.
        for user in ["admin", "520602"] {
            let (status, file) = try await read(gateway, streamID: "#!::r=\(room),m=request,u=\(user)", passphrase: keys.currentKey(for: user))
            #expect(status == 0, "u=\(user)")
            #expect(try await decodes(file) == ["h264", "aac"])
        }
        // No u=: 1401. Another county, not in any session: 1403. The wrong key fails in the handshake.
        #expect(try await read(gateway, streamID: "#!::r=\(room),m=request").0 != 0)
        #expect(try await read(gateway, streamID: "#!::r=\(room),m=request,u=520603", passphrase: keys.currentKey(for: "520603")).0 != 0)
        #expect(try await read(gateway, streamID: "#!::r=\(room),m=request,u=520602", passphrase: keys.currentKey(for: "520603")).0 != 0)
        #expect(try await gateway.metric("fieldrelay_srt_rejections_total{code=\"1401\"}") == 1)
        #expect(try await gateway.metric("fieldrelay_srt_rejections_total{code=\"1403\"}") == 1)
        #expect(keys.currentKey(for: "520602").count == 24)
        await gateway.stop()
    }

    /// A decoder reading until stopped, once media has reached its file (bounded wait).
    func startReader(_ gateway: RunningGateway, _ path: String, user: String, passphrase: String) async throws -> (Subprocess, URL) {
        let url = "srt://127.0.0.1:\(gateway.srtPort)?streamid=#!::r=\(path),m=request,u=\(user)&latency=200000&connect_timeout=3000"
            + "&passphrase=\(passphrase)&pbkeylen=16"
        return try await AccessFixture.startReader(url: url, name: "u=\(user)")
    }

    /// Whether a running reader's file grows within a bounded wait.
    func keepsReceiving(_ reader: (Subprocess, URL)) async -> Bool {
        let before = AccessFixture.size(of: reader.1)
        let deadline = ContinuousClock.now + .seconds(10)
        while reader.0.isRunning && AccessFixture.size(of: reader.1) == before && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(200))
        }
        return AccessFixture.size(of: reader.1) > before
    }

    @Test("a rotated read key: readers using it are cut, it is refused, the new key reads; other callers are unaffected")
    func rotatedKey() async throws {
        let gateway = try await RunningGateway.start()
        let room = "room/520602001201", county = "520602", city = "520600"
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let camera = try gateway.publish(clip, url: try await gateway.provisionedURL(room), loop: true)
        defer { camera.terminate() }
        _ = try await gateway.waitForPlaylist(room, token: gateway.adminToken) { ParsedPlaylist($0).segments.count >= 1 }
        let keys = gateway.application.reporting.srtReadKeys
        let oldCountyKey = keys.currentKey(for: county)
        let countyReader = try await startReader(gateway, room, user: county, passphrase: oldCountyKey)
        let cityReader = try await startReader(gateway, room, user: city, passphrase: keys.currentKey(for: city))
        defer {
            countyReader.0.terminate()
            cityReader.0.terminate()
            try? FileManager.default.removeItem(at: countyReader.1)
            try? FileManager.default.removeItem(at: cityReader.1)
        }

        // Only the admin rotates: 401 without a token, 403 for an organisation, 404 for an unknown one.
        let admin = gateway.client(gateway.adminToken)
        #expect(try await gateway.client(nil).post("/api/v1/orgs/\(county)/srt-key/rotate").status == 401)
        #expect(try await gateway.client(try await gateway.organisationToken(county)).post("/api/v1/orgs/\(county)/srt-key/rotate").status == 403)
        #expect(try await admin.post("/api/v1/orgs/999999/srt-key/rotate").status == 404)
        #expect(keys.currentKey(for: county) == oldCountyKey, "refused rotations change nothing")

        let rotated = try await admin.must("POST", "/api/v1/orgs/\(county)/srt-key/rotate")
        let newCountyKey = try #require(rotated.string("key"))
        #expect(rotated.string("org") == county && rotated["generation"] as? Int == 1)
        #expect(newCountyKey != oldCountyKey && newCountyKey == keys.currentKey(for: county))

        // The county's decoder is cut; the city's, on its own key, still receives.
        #expect(await AccessFixture.wasCut(countyReader), "the reader on the rotated key is cut")
        #expect(await keepsReceiving(cityReader), "another organisation's reader is unaffected")
        #expect(try await gateway.metric("fieldrelay_srt_readers_revoked_total") == 1)

        // The old key fails in the handshake; the new one reads.
        #expect(try await read(gateway, streamID: "#!::r=\(room),m=request,u=\(county)", passphrase: oldCountyKey).0 != 0)
        let (status, file) = try await read(gateway, streamID: "#!::r=\(room),m=request,u=\(county)", passphrase: newCountyKey)
        #expect(status == 0)
        #expect(try await decodes(file) == ["h264", "aac"])

        // The admin's key too; through the CLI on the same data directory, picked up by the
        // periodic refresh (bounded wait), the generation after the API's.
        let oldAdminKey = keys.currentKey(for: "admin")
        let cli = try await Subprocess.run(RunningGateway.executable, ["orgs", "rotate-srt-key", "admin", "--data", gateway.dataDirectory])
        #expect(cli.0 == 0, "\(cli.2)")
        let newAdminKey = cli.1.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(newAdminKey.count == 24 && newAdminKey != oldAdminKey)
        let deadline = ContinuousClock.now + .seconds(20)
        while keys.currentKey(for: "admin") != newAdminKey && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(keys.currentKey(for: "admin") == newAdminKey, "the server picked up the CLI's rotation")
        let printed = try await Subprocess.run(RunningGateway.executable, ["orgs", "srt-key", county, "--data", gateway.dataDirectory])
        #expect(printed.1.trimmingCharacters(in: .whitespacesAndNewlines) == newCountyKey, "srt-key prints the current generation's key")
        #expect(try await read(gateway, streamID: "#!::r=\(room),m=request,u=admin", passphrase: oldAdminKey).0 != 0)
        #expect(try await read(gateway, streamID: "#!::r=\(room),m=request,u=admin", passphrase: newAdminKey).0 == 0)
        #expect(keys.generation(for: city) == 0)
        #expect(try await read(gateway, streamID: "#!::r=\(room),m=request,u=\(city)", passphrase: keys.currentKey(for: city)).0 == 0)
        await gateway.stop()
    }
}
