import Foundation
import JointReporting
import Recording
import RecordingStore
import TestSupport
import Testing

/// Playback of what was recorded, as a hall, a department in the session and a tool would use it:
/// the VOD playlist played to its end by ffmpeg as an HLS client over HTTP, every byte range
/// fetched with Range requests, hashes checked at serving time, access as live plus the session's
/// participants for their times, refusals naming the field.
@Suite("Playback: recorded video by time range", .serialized)
struct PlaybackEndToEndTests {
    static let bodyCam = "cam/bc-520602001"
    static let room = "room/520602001201"


    @Test("a session's room: VOD playlist, Range requests, ffmpeg plays it to the end; access; tampering refused")
    func playback() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let roomCamera = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.room), loop: true)
        defer { roomCamera.terminate() }
        let camera = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.bodyCam), loop: true)
        defer { camera.terminate() }
        _ = try await gateway.waitForPlaylist(Self.room, token: gateway.adminToken) { ParsedPlaylist($0).segments.count >= 1 }

        let adminToken = gateway.adminToken
        let admin = gateway.client(adminToken)
        let township = gateway.client(try await gateway.organisationToken("520602001"))
        let waterToken = try await gateway.organisationToken("520600-water")
        let water = gateway.client(waterToken)
        let otherCounty = gateway.client(try await gateway.organisationToken("520603"))
        let incidentId = try #require(try await township.must("POST", "/api/v1/incidents", [
            "villageCode": "520602001201", "category": "natural_disaster", "grade": "IV",
            "title": "Flood at the bridge", "report": "water over the road"]).string("id"))
        let sessionId = try #require(try await township.must("POST", "/api/v1/incidents/\(incidentId)/sessions").string("id"))
        try await township.must("POST", "/api/v1/sessions/\(sessionId)/feeds", ["path": Self.room])
        try await township.must("POST", "/api/v1/sessions/\(sessionId)/invitations", ["org": "520600-water", "role": "observer"])
        try await water.must("POST", "/api/v1/sessions/\(sessionId)/join")
        try await Task.sleep(for: .seconds(6))
        try await township.must("DELETE", "/api/v1/sessions/\(sessionId)/feeds/\(Self.room)")
        try await township.must("POST", "/api/v1/sessions/\(sessionId)/close")

        let recordings = URL(fileURLWithPath: gateway.dataDirectory).appendingPathComponent("recordings")
        let index = try RecordingDatabase(directory: recordings, readOnly: true)
        try await waitFor("the room's file sealed") { try index.files(path: Self.room, from: nil, to: nil).first?.isSealed == true }
        let file = try #require(try index.files(path: Self.room, from: nil, to: nil).first)
        let from = RecordingTime.format(try #require(file.start).addingTimeInterval(-1))
        let to = RecordingTime.format(try #require(file.end).addingTimeInterval(1))
        let query = "from=\(from)&to=\(to)".replacingOccurrences(of: "+", with: "%2B")

        // The listing: one span for the session, through its id.
        let listed = try await admin.must("GET", "/api/v1/recordings?session=\(sessionId)")
        #expect(listed.objects("spans").contains { $0.string("path") == Self.room })

        // The admin's playlist: VOD, byte ranges into the file.
        let reply = try await admin.get("/playback/\(Self.room)/index.m3u8?\(query)")
        try #require(reply.status == 200, "\(reply.text)")
        let playlist = reply.text
        for tag in ["#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-ENDLIST", "#EXT-X-MAP:URI=", "BYTERANGE=\"\(file.initLength)@0\"",
                    "#EXT-X-PROGRAM-DATE-TIME:", "#EXT-X-BYTERANGE:", "#EXT-X-TARGETDURATION:"] {
            #expect(playlist.contains(tag), "playlist lacks \(tag):\n\(playlist)")
        }
        // Every byte range, fetched as a player does, assembles the recorded file exactly.
        let uri = try #require(playlist.split(separator: "\n").first { $0.hasPrefix("/playback/file/") }.map(String.init))
        var assembled = Data()
        var ranges: [(Int, Int)] = [(Int(file.initLength), 0)]
        for line in playlist.split(separator: "\n") where line.hasPrefix("#EXT-X-BYTERANGE:") {
            let parts = line.dropFirst("#EXT-X-BYTERANGE:".count).split(separator: "@")
            ranges.append((Int(parts[0])!, Int(parts[1])!))
        }
        for (length, offset) in ranges {
            let part = try await HTTPClient.get(gateway.baseURL + uri, headers: ["Range": "bytes=\(offset)-\(offset + length - 1)"])
            #expect(part.status == 206 && part.body.count == length)
            #expect(part.header("Content-Range")?.hasPrefix("bytes \(offset)-\(offset + length - 1)/") == true)
            assembled.append(part.body)
        }
        let onDisk = try Data(contentsOf: recordings.appendingPathComponent(file.name))
        #expect(assembled == onDisk.prefix(assembled.count) && assembled.count == onDisk.count)
        let beyond = try await HTTPClient.get(gateway.baseURL + uri, headers: ["Range": "bytes=\(onDisk.count + 10)-"])
        #expect(beyond.status == 416 && beyond.header("Content-Range") == "bytes */\(onDisk.count)")

        // ffmpeg, an independent HLS client, plays the playlist over HTTP to its end; every video
        // frame decoded is one framecrc line.
        let (played, frames, playErrors) = try await Subprocess.run("ffmpeg", [
            "-hide_banner", "-loglevel", "error", "-headers", "Authorization: Bearer \(adminToken)\r\n",
            "-i", "\(gateway.baseURL)/playback/\(Self.room)/index.m3u8?\(query)", "-map", "0:v:0", "-f", "framecrc", "-"])
        let duration = try #require(file.end).timeIntervalSince(try #require(file.start))
        let decoded = frames.split(separator: "\n").filter { $0.hasPrefix("0,") }.count
        #expect(played == 0, "ffmpeg: \(playErrors)")
        #expect(Double(decoded) >= duration * 25 * 0.9, "decoded \(decoded) frames of \(duration) s at 25 fps")

        // The tool form: fMP4 of a range.
        let get = try await admin.get("/playback/get?path=\(Self.room)&from=\(from.replacingOccurrences(of: "+", with: "%2B"))&duration=30")
        #expect(get.status == 200 && get.body.count > Int(file.initLength))
        // And as a plain MP4 (libavformat remux, faststart): moov before mdat, and ffprobe reads it.
        let mp4 = try await admin.get("/playback/get?path=\(Self.room)&from=\(from.replacingOccurrences(of: "+", with: "%2B"))&duration=30&format=mp4")
        #expect(mp4.status == 200, "\(mp4.text.prefix(200))")
        let moov = mp4.body.range(of: Data("moov".utf8)), mdat = mp4.body.range(of: Data("mdat".utf8))
        #expect(moov != nil && mdat != nil && moov!.lowerBound < mdat!.lowerBound && mp4.body.range(of: Data("moof".utf8)) == nil)
        let mp4Path = FileManager.default.temporaryDirectory.appendingPathComponent("fieldrelay-get-\(UUID().uuidString).mp4").path
        try mp4.body.write(to: URL(fileURLWithPath: mp4Path))
        defer { try? FileManager.default.removeItem(atPath: mp4Path) }
        let (probed, streams, _) = try await Subprocess.run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", mp4Path])
        #expect(probed == 0 && streams.contains("h264"), "ffprobe: \(streams)")

        // Access: the water department took part in the session: its times only; another county: no.
        let waterReply = try await water.get("/playback/\(Self.room)/index.m3u8?\(query)")
        #expect(waterReply.status == 200, "\(waterReply.text)")
        #expect(try await water.get("/playback/\(Self.bodyCam)/index.m3u8?\(query)").status == 403, "never in a session")
        #expect(try await otherCounty.get("/playback/\(Self.room)/index.m3u8?\(query)").status == 403)
        #expect(try await HTTPClient.get("\(gateway.baseURL)/playback/\(Self.room)/index.m3u8?\(query)").status == 401)
        let coordinator = gateway.application.reporting.coordinator
        try await waitFor("the department's first playback on the record") {
            await coordinator.allEvents().contains { $0.kind == AuditKind.recordingPlayed && $0.actor == "520600-water" }
        }

        // Refusals name the field.
        func code(_ path: String) async throws -> (Int, String?) {
            let reply = try await admin.get(path)
            return (reply.status, reply.json.string("code"))
        }
        let future = RecordingTime.format(Date().addingTimeInterval(3600)).replacingOccurrences(of: "+", with: "%2B")
        #expect(try await code("/playback/\(Self.room)/index.m3u8?from=\(future)&to=\(future)") == (400, "invalid_from"))
        #expect(try await code("/playback/\(Self.room)/index.m3u8?from=\(to)&to=\(from)".replacingOccurrences(of: "+", with: "%2B")) == (400, "invalid_to"))
        #expect(try await code("/playback/\(Self.room)/index.m3u8?from=yesterday&to=\(to)") == (400, "invalid_from"))
        #expect(try await code("/playback/\(Self.room)/index.m3u8?from=2026-01-01T00:00:00Z&to=2026-01-01T03:00:00Z").0 == 400)
        #expect(try await code("/playback/..%2F..%2Fetc/index.m3u8?\(query)").0 >= 400)

        // verify, read-only beside the running server, passes on what was recorded...
        let (clean, cleanOutput, _) = try await Subprocess.run(RunningGateway.executable, ["recordings", "verify", "--data", gateway.dataDirectory])
        #expect(clean == 0, "verify before tampering: \(cleanOutput)")

        // ...then one byte of one fragment changes on disk: that fragment is refused, never served; verify names it.
        let second = ranges[2]
        let handle = try FileHandle(forUpdating: recordings.appendingPathComponent(file.name))
        try handle.seek(toOffset: UInt64(second.1 + second.0 / 2))
        let original = try #require(try handle.read(upToCount: 1))
        try handle.seek(toOffset: UInt64(second.1 + second.0 / 2))
        try handle.write(contentsOf: Data([original[0] ^ 0xFF]))
        try handle.close()
        let altered = try await HTTPClient.get(gateway.baseURL + uri, headers: ["Range": "bytes=\(second.1)-\(second.1 + second.0 - 1)"])
        #expect(altered.status == 500 && altered.text.contains("\"integrity\""), "\(altered.status) \(altered.text.prefix(200))")
        let first = ranges[1]
        #expect(try await HTTPClient.get(gateway.baseURL + uri, headers: ["Range": "bytes=\(first.1)-\(first.1 + first.0 - 1)"]).status == 206,
                "the fragments around it are still served")
        let (verified, verifyOutput, _) = try await Subprocess.run(RunningGateway.executable, ["recordings", "verify", "--data", gateway.dataDirectory])
        #expect(verified != 0 && verifyOutput.contains(file.name), "verify: \(verifyOutput)")

        roomCamera.terminate()
        camera.terminate()
        await gateway.stop()
    }
}
