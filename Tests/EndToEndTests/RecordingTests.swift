import Foundation
import GRDB
import JointReporting
import Recording
import RecordingStore
import TestSupport
import Testing

/// Recording as the gateway runs it, driven as users would: ffmpeg publishing over SRT, the REST
/// API with real tokens, files checked with the index and ffprobe.
@Suite("Recording: what the scene showed is kept", .serialized)
struct RecordingEndToEndTests {
    static let bodyCam = "cam/bc-520602001"
    static let room = "room/520602001201"

    func status(_ gateway: RunningGateway) async throws -> [String: Any] {
        try await gateway.client(gateway.adminToken).must("GET", "/api/v1/recordings/status")
    }

    func recorded(_ gateway: RunningGateway) async throws -> [String: [String]] {
        (try await status(gateway)["recording"] as? [String: [String]]) ?? [:]
    }


    func index(_ gateway: RunningGateway) throws -> RecordingDatabase {
        try RecordingDatabase(directory: URL(fileURLWithPath: gateway.dataDirectory).appendingPathComponent("recordings"), readOnly: true)
    }

    @Test("a body camera is recorded by rule; a room only from its attach, with the backfill before it, until detach")
    func rulesAndSessions() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let camera = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.bodyCam), loop: true)
        defer { camera.terminate() }
        let roomCamera = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.room), loop: true)
        defer { roomCamera.terminate() }

        try await waitFor("the body camera to be recorded") { try await recorded(gateway)[Self.bodyCam] == ["rule"] }
        _ = try await gateway.waitForPlaylist(Self.room, token: gateway.adminToken) { ParsedPlaylist($0).segments.count >= 1 }
        try await Task.sleep(for: .seconds(4))
        #expect(try await recorded(gateway)[Self.room] == nil, "a room is recorded only while in a session")

        let township = gateway.client(try await gateway.organisationToken("520602001"))
        let incident = try await township.must("POST", "/api/v1/incidents", [
            "villageCode": "520602001201", "category": "natural_disaster", "grade": "IV",
            "title": "Flood at the bridge", "report": "water over the road"])
        let incidentId = try #require(incident.string("id"))
        let sessionId = try #require(try await township.must("POST", "/api/v1/incidents/\(incidentId)/sessions").string("id"))
        let attachedAt = Date()
        try await township.must("POST", "/api/v1/sessions/\(sessionId)/feeds", ["path": Self.room])
        try await waitFor("the room to be recorded") { try await recorded(gateway)[Self.room] == ["session"] }
        try await Task.sleep(for: .seconds(4))
        try await township.must("DELETE", "/api/v1/sessions/\(sessionId)/feeds/\(Self.room)")
        try await waitFor("the room's recording to stop") { try await recorded(gateway)[Self.room] == nil }

        let index = try index(gateway)
        let roomFiles = try index.files(path: Self.room, from: nil, to: nil)
        try #require(roomFiles.count == 1)
        let roomFile = roomFiles[0]
        try await waitFor("the room's file to be sealed") { try index.file(id: roomFile.id)?.isSealed == true }
        let start = try #require(roomFile.start)
        #expect(start < attachedAt.addingTimeInterval(-3), "the backfill before the attach is recorded (first fragment at \(start), attach at \(attachedAt))")
        let links = try index.links(path: Self.room, incidentID: incidentId, sessionID: sessionId)
        #expect(links.count == 1 && links[0].to != nil, "the attach span is kept for retention and session playback")

        let camFiles = try index.files(path: Self.bodyCam, from: nil, to: nil)
        #expect(camFiles.count == 1 && (camFiles.first?.fragmentCount ?? 0) >= 5)
        let ledger = try index.ledger(from: 1)
        #expect(ledger.contains { $0.kind == .recordingStarted && $0.path == Self.room && $0.detail["because"] == "session" })
        #expect(ledger.contains { $0.kind == .recordingStopped && $0.path == Self.room })
        #expect(ledger.contains { $0.kind == .fileSealed && $0.path == Self.room })

        // Closing the session anchors the ledger's head into the joint-reporting record.
        try await township.must("POST", "/api/v1/sessions/\(sessionId)/close")
        var anchor: [String: Any]?
        try await waitFor("the ledger anchored into the record") {
            let events = try await township.must("GET", "/api/v1/sessions/\(sessionId)/events").objects("events")
            anchor = events.first { $0.string("kind") == "recording.anchored" }?["detail"] as? [String: Any]
            return anchor != nil
        }
        let anchoredSequence = try #require(anchor?["sequence"] as? Int)
        let anchoredEntry = try #require(try index.ledger(from: Int64(anchoredSequence)).first)
        #expect(anchor?["hash"] as? String == anchoredEntry.hash.hexString)
        try await waitFor("the anchor noted in the ledger") { try index.ledger(from: 1).contains { $0.kind == .anchored } }

        // The file decodes.
        let file = URL(fileURLWithPath: gateway.dataDirectory).appendingPathComponent("recordings").appendingPathComponent(roomFile.name)
        let (probe, output, errors) = try await Subprocess.run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", file.path])
        #expect(probe == 0 && output.contains("h264") && output.contains("aac"), "ffprobe: \(output) \(errors)")
        camera.terminate()
        roomCamera.terminate()
        await gateway.stop(keepData: true)
        defer { try? FileManager.default.removeItem(atPath: gateway.dataDirectory) }

        // verify checks the ledger against its anchors in the record: a ledger rewritten whole,
        // every hash recomputed so its own chain holds, no longer matches them.
        let (clean, cleanOutput, _) = try await Subprocess.run(RunningGateway.executable, ["recordings", "verify", "--data", gateway.dataDirectory])
        #expect(clean == 0 && !cleanOutput.contains(" 0 anchors"), "verify: \(cleanOutput)")
        let recordings = URL(fileURLWithPath: gateway.dataDirectory).appendingPathComponent("recordings")
        let queue = try DatabaseQueue(path: recordings.appendingPathComponent("index.sqlite").path)
        try await queue.write { db in
            try db.execute(sql: "DROP TRIGGER recording_ledger_append_only_update")
            var previous = LedgerEntry.genesis
            for row in try Row.fetchAll(db, sql: "SELECT sequence, time_ms, kind, path, detail FROM recording_ledger ORDER BY sequence") {
                var detail = try JSONDecoder().decode([String: String].self, from: Data((row["detail"] as String).utf8))
                if row["kind"] as String == "recording.started" { detail["because"] = "rewritten" }
                let entry = LedgerEntry(sequence: row["sequence"], time: Date(timeIntervalSince1970: Double(row["time_ms"] as Int64) / 1000),
                                        kind: LedgerKind(rawValue: row["kind"])!, path: row["path"], detail: detail, previousHash: previous)
                let text = String(decoding: try JSONEncoder().encode(detail), as: UTF8.self)
                try db.execute(sql: "UPDATE recording_ledger SET detail = ?, previous_hash = ?, hash = ? WHERE sequence = ?",
                               arguments: [text, previous, entry.hash, entry.sequence])
                previous = entry.hash
            }
        }
        let (rewritten, rewrittenOutput, _) = try await Subprocess.run(RunningGateway.executable, ["recordings", "verify", "--data", gateway.dataDirectory])
        #expect(rewritten == 1 && rewrittenOutput.contains("differs from its anchor"), "verify: \(rewrittenOutput)")
    }

    @Test("hand recordings: the admin or the path's jurisdiction starts and stops them; a hand stop ends only the hand recording")
    func handRecordings() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let lab = try gateway.publish(clip, streamID: "publish:lab/handheld", loop: true)
        defer { lab.terminate() }
        let camera = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.bodyCam), loop: true)
        defer { camera.terminate() }
        let admin = gateway.client(gateway.adminToken)
        let township = gateway.client(try await gateway.organisationToken("520602001"))
        let otherCounty = gateway.client(try await gateway.organisationToken("520603"))

        _ = try await gateway.waitForPlaylist("lab/handheld") { ParsedPlaylist($0).segments.count >= 1 }
        #expect(try await recorded(gateway)["lab/handheld"] == nil, "lab paths are never recorded by rule")

        let bad = try await admin.post("/api/v1/recordings", ["path": "../../etc/passwd"])
        #expect(bad.status == 400 && bad.json.string("code") == "invalid_path", "\(bad.text)")
        #expect(try await township.post("/api/v1/recordings", ["path": "lab/handheld"]).status == 403, "lab paths are the admin's")
        #expect(try await otherCounty.post("/api/v1/recordings", ["path": Self.bodyCam]).status == 403, "outside its jurisdiction")

        let hand = try await admin.must("POST", "/api/v1/recordings", ["path": "lab/handheld", "note": "trial"])
        let handId = try #require(hand["id"] as? Int)
        try await waitFor("the hand recording") { try await recorded(gateway)["lab/handheld"] == ["hand"] }

        // The township records its own body camera by hand too; stopping that leaves the rule's recording.
        let camHand = try await township.must("POST", "/api/v1/recordings", ["path": Self.bodyCam, "note": "closer look"])
        try await waitFor("both reasons") { try await recorded(gateway)[Self.bodyCam] == ["hand", "rule"] }
        #expect(try await otherCounty.post("/api/v1/recordings/\(camHand["id"] as? Int ?? 0)/stop").status == 403)
        try await township.must("POST", "/api/v1/recordings/\(camHand["id"] as? Int ?? 0)/stop")
        try await waitFor("the rule alone") { try await recorded(gateway)[Self.bodyCam] == ["rule"] }

        try await Task.sleep(for: .seconds(3))
        let stopped = try await admin.must("POST", "/api/v1/recordings/\(handId)/stop")
        #expect(stopped.string("stoppedBy") == "admin")
        try await waitFor("the lab path's recording to stop") { try await recorded(gateway)["lab/handheld"] == nil }
        let index = try index(gateway)
        try await waitFor("the lab file sealed") { try index.files(path: "lab/handheld", from: nil, to: nil).allSatisfy { $0.isSealed } }
        #expect(try index.files(path: "lab/handheld", from: nil, to: nil).count == 1)
        #expect(try await admin.post("/api/v1/recordings/99999/stop").status == 404)
        lab.terminate()
        camera.terminate()
        await gateway.stop()
    }

    @Test("a recording directory that is missing at start: live service runs, recording is off and says why")
    func missingDirectory() async throws {
        let gateway = try await RunningGateway.start { $0.recording.directory = "/nonexistent/fieldrelay-recordings" }
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let camera = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.bodyCam), loop: true)
        defer { camera.terminate() }
        _ = try await gateway.waitForPlaylist(Self.bodyCam, token: gateway.adminToken) { ParsedPlaylist($0).segments.count >= 2 }
        let state = try await status(gateway)
        #expect(state.string("state") == "off")
        #expect(state.string("reason")?.contains("/nonexistent/fieldrelay-recordings") == true)
        let refused = try await gateway.client(gateway.adminToken).post("/api/v1/recordings", ["path": Self.bodyCam])
        #expect(refused.status == 503 && refused.json.string("code") == "recording_off")
        camera.terminate()
        await gateway.stop()
    }
}
