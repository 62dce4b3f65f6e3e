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
            let (status, file) = try await read(gateway, streamID: "#!::r=\(room),m=request,u=\(user)", passphrase: keys.key(for: user))
            #expect(status == 0, "u=\(user)")
            #expect(try await decodes(file) == ["h264", "aac"])
        }
        // No u=: 1401. Another county, not in any session: 1403. The wrong key fails in the handshake.
        #expect(try await read(gateway, streamID: "#!::r=\(room),m=request").0 != 0)
        #expect(try await read(gateway, streamID: "#!::r=\(room),m=request,u=520603", passphrase: keys.key(for: "520603")).0 != 0)
        #expect(try await read(gateway, streamID: "#!::r=\(room),m=request,u=520602", passphrase: keys.key(for: "520603")).0 != 0)
        #expect(try await gateway.metric("fieldrelay_srt_rejections_total{code=\"1401\"}") == 1)
        #expect(try await gateway.metric("fieldrelay_srt_rejections_total{code=\"1403\"}") == 1)
        #expect(keys.key(for: "520602").count == 24)
        await gateway.stop()
    }
}
