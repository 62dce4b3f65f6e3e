import Foundation
import Testing
import TestSupport

/// The whole story of DOMAIN.md through the API, each hall with its own token: a township opens an
/// incident, puts the body camera and the village room into a session, invites the county, the
/// grade rises and brings the city, command passes to the county, the county's hall camera joins
/// the wall, reports follow, the session closes — while another county sees none of it — and
/// `fieldrelay audit verify` proves the record whole.
@Suite("Joint reporting: the whole story through the API", .serialized)
struct JointReportingStoryTests {
    static let bodyCam = "cam/bc-520602001"
    static let room = "room/520602001201"
    static let countyHall = "hall/520602"

    func playlistStatus(_ gateway: RunningGateway, _ path: String, token: String) async throws -> Int {
        try await HTTPClient.get("\(gateway.baseURL)/hls/\(path)/index.m3u8", headers: ["Authorization": "Bearer \(token)"]).status
    }

    func waitUntilPlayable(_ gateway: RunningGateway, _ hlsUrl: String) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(30)
        var last = 0
        while ContinuousClock.now < deadline {
            let reply = try await HTTPClient.get(gateway.baseURL + hlsUrl)
            last = reply.status
            if reply.status == 200, !ParsedPlaylist(reply.text).segments.isEmpty { return reply.text }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure("\(hlsUrl) never played (last status \(last))")
    }

    @Test("incident, session, body camera, invitation, escalation, handover, hall camera, reports, close; verified")
    func story() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let bodyCamera = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.bodyCam), loop: true)
        defer { bodyCamera.terminate() }

        let township = gateway.client(try await gateway.organisationToken("520602001"))
        let county = gateway.client(try await gateway.organisationToken("520602"))
        let city = gateway.client(try await gateway.organisationToken("520600"))
        let otherCountyToken = try await gateway.organisationToken("520603")
        let otherCounty = gateway.client(otherCountyToken)

        // 1-2. The township opens the incident with its first report, then the joint session.
        let incident = try await township.must("POST", "/api/v1/incidents", [
            "villageCode": "520602001201", "category": "natural_disaster", "grade": "IV",
            "title": "Landslide above the village school", "report": "slope failure, road blocked, two houses at risk"])
        let incidentId = try #require(incident.string("id"))
        #expect(incident.objects("reports").first?.string("stage") == "first")
        let opened = try await township.must("POST", "/api/v1/incidents/\(incidentId)/sessions")
        let sessionId = try #require(opened.string("id"))
        #expect(opened.string("host") == "520602001" && opened.string("state") == "open")

        // The body camera and the village room go on the wall.
        try await township.must("POST", "/api/v1/sessions/\(sessionId)/feeds", ["path": Self.bodyCam])
        var session = try await township.must("POST", "/api/v1/sessions/\(sessionId)/feeds", ["path": Self.room])
        try await township.must("POST", "/api/v1/sessions/\(sessionId)/focus", ["path": Self.bodyCam])
        let camURL = try #require(session.objects("feeds").first { $0.string("path") == Self.bodyCam }?.string("hlsUrl"))
        _ = try await waitUntilPlayable(gateway, camURL)

        // The city's console follows the record live (Server-Sent Events, token in the URL).
        let streamURL = "\(gateway.baseURL)/api/v1/sessions/\(sessionId)/events/stream?token=\(city.token!)"
        let console = try Subprocess("curl", ["-sN", "--max-time", "120", streamURL])
        defer { console.terminate() }

        // 3. The county is invited and joins; the grade rises to II, which brings the city.
        try await township.must("POST", "/api/v1/sessions/\(sessionId)/invitations", ["org": "520602", "role": "participant"])
        let openForCounty = try await county.must("GET", "/api/v1/sessions?state=open").objects("sessions")
        #expect(openForCounty.map { $0.string("id") } == [sessionId])
        try await county.must("POST", "/api/v1/sessions/\(sessionId)/join")
        session = try await township.must("POST", "/api/v1/sessions/\(sessionId)/escalations", ["grade": "II"])
        let cityParticipant = session.objects("participants").first { $0.string("org") == "520600" }
        #expect(cityParticipant?.string("state") == "invited" && cityParticipant?.string("invitedBy") == "escalation")
        #expect(session.string("grade") == "II")
        try await city.must("POST", "/api/v1/sessions/\(sessionId)/join")

        // Command passes to the county; the township stays a participant.
        session = try await township.must("POST", "/api/v1/sessions/\(sessionId)/handover", ["to": "520602", "note": "county takes command: evacuation"])
        #expect(session.string("host") == "520602")
        #expect(session.objects("participants").first { $0.string("org") == "520602001" }?.string("state") == "joined")

        // 4. The county's hall camera joins the wall, and the township sees it through the session.
        let hallCamera = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.countyHall), loop: true)
        defer { hallCamera.terminate() }
        try await county.must("POST", "/api/v1/sessions/\(sessionId)/feeds", ["path": Self.countyHall])
        session = try await township.must("GET", "/api/v1/sessions/\(sessionId)")
        let hallURL = try #require(session.objects("feeds").first { $0.string("path") == Self.countyHall }?.string("hlsUrl"))
        #expect(hallURL.contains("token=frv1.520602001."))
        _ = try await waitUntilPlayable(gateway, hallURL)

        // Another county sees none of it: not the session, not the incident, not the feeds.
        #expect(try await otherCounty.get("/api/v1/sessions/\(sessionId)").status == 404)
        #expect(try await otherCounty.get("/api/v1/incidents/\(incidentId)").status == 404)
        #expect(try await otherCounty.get("/api/v1/sessions?state=open").json.objects("sessions").isEmpty)
        #expect(try await otherCounty.get("/api/v1/incidents").json.objects("incidents").isEmpty)
        #expect(try await otherCounty.post("/api/v1/sessions/\(sessionId)/join").status == 404)
        for path in [Self.bodyCam, Self.room, Self.countyHall] {
            #expect(try await playlistStatus(gateway, path, token: otherCountyToken) == 403, "\(path)")
        }

        // 5. Reports: follow-ups by the township and by the host, then the final report.
        try await township.must("POST", "/api/v1/incidents/\(incidentId)/reports", ["stage": "followup", "text": "12 people evacuated"])
        try await county.must("POST", "/api/v1/incidents/\(incidentId)/reports", ["stage": "followup", "text": "excavator on site"])

        // 6. The host closes the session: feeds detach, viewing by the session ends; reports go on.
        session = try await county.must("POST", "/api/v1/sessions/\(sessionId)/close")
        #expect(session.string("state") == "closed")
        #expect(session.objects("feeds").isEmpty)
        #expect(try await playlistStatus(gateway, Self.countyHall, token: township.token!) == 403, "the township no longer sees the county hall")
        let final = try await township.must("POST", "/api/v1/incidents/\(incidentId)/reports", ["stage": "final", "text": "road reopened, no casualties"])
        #expect(final.string("state") == "closed")
        #expect(final.objects("reports").map { $0.string("stage") ?? "" } == ["first", "followup", "followup", "final"])
        #expect(try await township.must("GET", "/api/v1/incidents?state=closed").objects("incidents").map { $0.string("id") } == [incidentId])
        #expect(try await township.must("GET", "/api/v1/incidents?state=open").objects("incidents").isEmpty)

        // The record, in order, and the console saw it as it happened.
        let kinds = try await city.must("GET", "/api/v1/sessions/\(sessionId)/events").objects("events").compactMap { $0.string("kind") }
        for expected in ["session.created", "feed.attached", "feed.focus", "participant.invited", "participant.joined",
                         "session.escalated", "session.handover", "feed.viewed", "session.closed"] {
            #expect(kinds.contains(expected), "\(expected) missing from \(kinds)")
        }
        let seen = console.standardOutput
        #expect(seen.contains("event: session.handover") && seen.contains("event: session.closed"), "console saw: \(seen.suffix(500))")

        // The record verifies while the server runs, and after it stops.
        let running = try await Subprocess.run(RunningGateway.executable, ["audit", "verify", "--data", gateway.dataDirectory])
        #expect(running.0 == 0, "\(running.1) \(running.2)")
        #expect(running.1.contains("audit verify: ok"))
        console.terminate()
        await gateway.stop(keepData: true)
        let stopped = try await Subprocess.run(RunningGateway.executable, ["audit", "verify", "--data", gateway.dataDirectory])
        #expect(stopped.0 == 0, "\(stopped.1) \(stopped.2)")
        try? FileManager.default.removeItem(atPath: gateway.dataDirectory)
    }
}
