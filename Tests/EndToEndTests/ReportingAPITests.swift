import Foundation
import Testing
import TestSupport

/// Bad input against the joint-reporting API: each refused with the right status and a JSON
/// message, nothing half-applied, and the refusal on the record.
@Suite("Joint reporting API: tokens and refusals", .serialized)
struct ReportingAPITests {
    @Test("the event stream of a session with 1,200 events sends the retry line and every event from the first (a buffer kept the newest 1,024)")
    func longHistoryStream() async throws {
        let gateway = try await RunningGateway.start()
        let township = gateway.client(try await gateway.organisationToken("520602001"))
        let incident = try await township.must("POST", "/api/v1/incidents", [
            "villageCode": "520602001201", "category": "accident", "grade": "IV", "title": "Long record", "report": "first"])
        let incidentId = try #require(incident.string("id"))
        let sessionId = try #require(try await township.must("POST", "/api/v1/incidents/\(incidentId)/sessions").string("id"))
        try await township.must("POST", "/api/v1/sessions/\(sessionId)/invitations", ["org": "520602"])
        // Each duplicate invitation is refused and recorded: 1,200 events on the session's record.
        for _ in 0..<1_200 {
            #expect(try await township.post("/api/v1/sessions/\(sessionId)/invitations", ["org": "520602"]).status == 409)
        }
        let record = try await township.must("GET", "/api/v1/sessions/\(sessionId)/events").objects("events")
        #expect(record.count > 1_200)
        let ids = record.compactMap { $0["seq"] as? Int }
        let url = "\(gateway.baseURL)/api/v1/sessions/\(sessionId)/events/stream?token=\(township.token!)"
        let (_, output, _) = try await Subprocess.run("curl", ["-sN", "--max-time", "4", url])
        #expect(output.hasPrefix("retry: 2000\n\n"))
        let streamed = output.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) }
        #expect(streamed == ids, "\(streamed.count) of \(ids.count) events, first \(streamed.first ?? -1) of \(ids.first ?? -1)")
        // Reconnecting after the 1,000th event sends the rest.
        let resumed = try await Subprocess.run("curl", ["-sN", "--max-time", "3", "-H", "Last-Event-ID: \(ids[999])", url]).1
        #expect(resumed.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) } == Array(ids[1_000...]))
        await gateway.stop()
    }

    @Test("401 without a token, 403 for forged, revoked, viewer or wrong tokens; 404 hides; 409 and 422 explain")
    func refusals() async throws {
        let gateway = try await RunningGateway.start()
        let admin = gateway.client(gateway.adminToken)
        let townshipToken = try await gateway.organisationToken("520602001")
        let township = gateway.client(townshipToken)
        let otherCounty = gateway.client(try await gateway.organisationToken("520603"))

        // Tokens: admin only; unknown organisations are 404.
        #expect(try await gateway.client(nil).post("/api/v1/orgs/520602/tokens").status == 401)
        #expect(try await township.post("/api/v1/orgs/520602/tokens").status == 403)
        #expect(try await admin.post("/api/v1/orgs/999999/tokens").status == 404)

        // Authentication.
        let anonymous = try await gateway.client(nil).get("/api/v1/sessions")
        #expect(anonymous.status == 401)
        #expect(anonymous.json["message"] is String)
        #expect(try await gateway.client("fro_forgedforgedforgedforgedforgedforgedforg").get("/api/v1/sessions").status == 403)
        #expect(try await gateway.client("frv1.520600.99999999999.00112233445566778899aabbccddeeff").get("/api/v1/sessions").status == 403)
        let expired = gateway.application.reporting.viewerTokens.issue(for: .organisation("520602001"), now: Date(timeIntervalSinceNow: -3600))
        #expect(try await gateway.client(expired).get("/api/v1/sessions").status == 401)
        #expect(try await admin.post("/api/v1/incidents", ["villageCode": "520602001201", "category": "accident", "grade": "IV", "title": "x"]).status == 403,
                "the admin reads but does not act")

        // Malformed and huge bodies.
        let malformed = try await township.request("POST", "/api/v1/incidents", raw: Data("{\"villageCode\": ".utf8))
        #expect(malformed.status == 422)
        let huge = try await township.request("POST", "/api/v1/incidents", raw: Data(("{\"title\": \"" + String(repeating: "x", count: 70_000) + "\"}").utf8))
        #expect(huge.status == 422)
        #expect(try await township.post("/api/v1/incidents", ["villageCode": "520602001201", "category": "meteor", "grade": "IV", "title": "x"]).status == 422)
        #expect(try await township.post("/api/v1/incidents", ["villageCode": "520602001201", "category": "accident", "grade": "V", "title": "x"]).status == 422)
        #expect(try await township.post("/api/v1/incidents", ["villageCode": "520602001999", "category": "accident", "grade": "IV", "title": "x"]).status == 404)
        #expect(try await otherCounty.post("/api/v1/incidents", ["villageCode": "520602001201", "category": "accident", "grade": "IV", "title": "x"]).status == 403)

        // A session to misuse.
        let incident = try await township.must("POST", "/api/v1/incidents", [
            "villageCode": "520602001201", "category": "accident", "grade": "IV", "title": "Bus off the road", "report": "first"])
        let incidentId = try #require(incident.string("id"))
        let sessionId = try #require(try await township.must("POST", "/api/v1/incidents/\(incidentId)/sessions").string("id"))
        #expect(try await township.post("/api/v1/incidents/\(incidentId)/sessions").status == 409, "one open session per incident")
        #expect(try await township.post("/api/v1/sessions/\(sessionId)/feeds", ["path": "cam/no-such-camera"]).status == 404)
        #expect(try await township.post("/api/v1/sessions/\(sessionId)/feeds", ["path": "lab/x"]).status == 422)
        #expect(try await township.post("/api/v1/sessions/\(sessionId)/invitations", ["org": "520603"]).status == 200)
        #expect(try await township.post("/api/v1/sessions/\(sessionId)/invitations", ["org": "520603"]).status == 409, "duplicate invitation")
        #expect(try await township.post("/api/v1/sessions/\(sessionId)/invitations", ["org": "520603", "role": "boss"]).status == 422)
        let viewer = gateway.application.reporting.viewerTokens.issue(for: .organisation("520602001"))
        #expect(try await gateway.client(viewer).post("/api/v1/sessions/\(sessionId)/close").status == 403, "viewer tokens only read")
        #expect(try await gateway.client(viewer).get("/api/v1/sessions/\(sessionId)").status == 200)
        // Invited, the other county may know the session but not run it.
        #expect(try await otherCounty.post("/api/v1/sessions/\(sessionId)/close").status == 403)
        // A county that was never asked does not learn the session exists.
        let bystander = gateway.client(try await gateway.organisationToken("520621"))
        #expect(try await bystander.get("/api/v1/sessions/\(sessionId)").status == 404)
        #expect(try await bystander.post("/api/v1/sessions/\(sessionId)/close").status == 404)
        #expect(try await township.post("/api/v1/sessions/ses-999999/close").status == 404)
        // Removed, the other county loses sight of the session altogether.
        let removed = try await township.must("DELETE", "/api/v1/sessions/\(sessionId)/participants/520603")
        #expect(removed.objects("participants").first { $0.string("org") == "520603" }?.string("state") == "removed")
        #expect(try await otherCounty.get("/api/v1/sessions/\(sessionId)").status == 404)

        try await township.must("POST", "/api/v1/sessions/\(sessionId)/feeds", ["path": "room/520602001201"])
        let detached = try await township.must("DELETE", "/api/v1/sessions/\(sessionId)/feeds/room/520602001201")
        #expect(detached.objects("feeds").isEmpty)
        try await township.must("POST", "/api/v1/sessions/\(sessionId)/close")
        let escalateClosed = try await township.post("/api/v1/sessions/\(sessionId)/escalations", ["grade": "III"])
        #expect(escalateClosed.status == 409)
        #expect((escalateClosed.json["message"] as? String)?.contains("closed") == true)

        // Nothing half-applied: the grade did not move. Every refusal above is on the record.
        #expect(try await township.must("GET", "/api/v1/incidents/\(incidentId)").string("grade") == "IV")
        let events = try await gateway.client(gateway.adminToken).must("GET", "/api/v1/sessions/\(sessionId)/events").objects("events")
        let refusals = events.filter { $0.string("kind") == "refused" }
        #expect(refusals.count >= 6, "refusals on the session's record: \(refusals.count)")
        let all = await gateway.application.reporting.coordinator.allEvents().filter { $0.kind.rawValue == "refused" }
        let commands = Set(all.compactMap { $0.detail["command"]?.stringValue })
        #expect(commands.isSuperset(of: ["incident.create", "session.create", "feed.attached", "participant.invited", "session.closed",
                                         "session.escalated", "authenticate"]), "\(commands)")

        // Token lifecycle: listed without the secret, revoked, refused.
        let listed = try await admin.must("GET", "/api/v1/orgs/520602001/tokens").objects("tokens")
        let tokenId = try #require(listed.first?["id"] as? Int)
        #expect(!String(decoding: try JSONSerialization.data(withJSONObject: listed), as: UTF8.self).contains(townshipToken))
        try await admin.must("DELETE", "/api/v1/orgs/520602001/tokens/\(tokenId)")
        #expect(try await township.get("/api/v1/sessions").status == 403)
        await gateway.stop()
    }
}
