import Foundation
import Testing
import TestSupport

/// What each caller may do (`actions` in the session view), the machine-readable `code` of every
/// refusal, and idempotent creation (`Idempotency-Key`) over real HTTP.
@Suite("Joint reporting API: actions, error codes, idempotent creation", .serialized)
struct ReportingActionsAPITests {
    static let water = "520600-water"

    func actions(_ client: ReportingClient, _ session: String) async throws -> [String] {
        let reply = try await client.get("/api/v1/sessions/\(session)")
        guard reply.status == 200 else { throw TestFailure("GET session: \(reply.status) \(reply.text)") }
        return reply.json["actions"] as? [String] ?? ["<no actions field>"]
    }

    @Test("each caller is told the actions it may take: host, observer, invited, admin, after a handover; what is left out is refused with its code")
    func actionsPerCaller() async throws {
        let gateway = try await RunningGateway.start()
        let admin = gateway.client(gateway.adminToken)
        let township = gateway.client(try await gateway.organisationToken("520602001"))
        let county = gateway.client(try await gateway.organisationToken("520602"))
        let water = gateway.client(try await gateway.organisationToken(Self.water))
        let incident = try await township.must("POST", "/api/v1/incidents", [
            "villageCode": "520602001201", "category": "natural_disaster", "grade": "IV", "title": "Flood", "report": "river over the road"])
        let incidentId = try #require(incident.string("id"))
        let created = try await township.must("POST", "/api/v1/incidents/\(incidentId)/sessions")
        let id = try #require(created.string("id"))
        let hostActions = ["attach", "detach", "focus", "invite", "remove", "escalate", "handover", "close", "report"]
        #expect(created["actions"] as? [String] == hostActions, "the creation's answer lists the host's actions")
        #expect(try await actions(township, id) == hostActions)

        // The water department invited as an observer: it may join, then only leave.
        let invited = try await township.must("POST", "/api/v1/sessions/\(id)/invitations", ["org": Self.water, "role": "observer"])
        #expect(invited["actions"] as? [String] == hostActions)
        #expect(try await actions(water, id) == ["join"])
        let joined = try await water.must("POST", "/api/v1/sessions/\(id)/join")
        #expect(joined["actions"] as? [String] == ["leave"])
        #expect(try await actions(water, id) == ["leave"])
        for (method, path, body, code) in [
            ("POST", "feeds", ["path": "hall/\(Self.water)"], "observer"),
            ("POST", "invitations", ["org": "520603"], "not_host"),
            ("POST", "escalations", ["grade": "III"], "not_host"),
            ("POST", "close", [:], "not_host"),
        ] as [(String, String, [String: String], String)] {
            let reply = try await water.request(method, "/api/v1/sessions/\(id)/\(path)", json: body)
            #expect(reply.status == 403, "\(path): \(reply.status)")
            #expect(reply.json["code"] as? String == code, "\(path): \(reply.text)")
        }
        let report = try await water.post("/api/v1/incidents/\(incidentId)/reports", ["stage": "followup", "text": "x"])
        #expect(report.status == 403 && report.json["code"] as? String == "may_not_report", "\(report.text)")

        // The admin and viewer tokens read only.
        #expect(try await actions(admin, id) == [])
        let viewer = gateway.application.reporting.viewerTokens.issue(for: .organisation("520602001"))
        #expect(try await actions(gateway.client(viewer), id) == [])
        #expect((try await admin.get("/api/v1/sessions").json["sessions"] as? [[String: Any]])?.first?["actions"] as? [String] == [])

        // What the host may do to each participant and feed: remove the department, not the county
        // with authority over the place; hand command only to a joined centre of the chain.
        try await township.must("POST", "/api/v1/sessions/\(id)/feeds", ["path": "room/520602001201"])
        #expect(try await actions(county, id) == ["join", "report"], "the county may join on its own authority")
        try await county.must("POST", "/api/v1/sessions/\(id)/join")
        let view = try await township.must("GET", "/api/v1/sessions/\(id)")
        func targets(_ list: String, _ key: String) -> [String: [String]] {
            Dictionary(uniqueKeysWithValues: view.objects(list).compactMap { item in
                item.string(key).map { ($0, item["actions"] as? [String] ?? ["<none>"]) }
            })
        }
        #expect(targets("participants", "org") == ["520602001": [], Self.water: ["remove"], "520602": ["handover"]])
        #expect(targets("feeds", "path") == ["room/520602001201": ["focus", "detach"]])
        let removeCounty = try await township.delete("/api/v1/sessions/\(id)/participants/520602")
        #expect(removeCounty.status == 403 && removeCounty.json["code"] as? String == "has_authority", "\(removeCounty.text)")
        let handoverWater = try await township.post("/api/v1/sessions/\(id)/handover", ["to": Self.water, "note": "x"])
        #expect(handoverWater.status == 403 && handoverWater.json["code"] as? String == "not_in_chain", "\(handoverWater.text)")
        let waterView = try await water.must("GET", "/api/v1/sessions/\(id)")
        #expect(waterView.objects("feeds").allSatisfy { ($0["actions"] as? [String]) == [] })
        #expect(waterView.objects("participants").allSatisfy { ($0["actions"] as? [String]) == [] })

        // After the handover the township no longer sees the host's controls, and the county does.
        try await township.must("POST", "/api/v1/sessions/\(id)/handover", ["to": "520602", "note": "county takes command"])
        let former = try await actions(township, id)
        #expect(former == ["attach", "detach", "leave", "report"])
        #expect(try await actions(county, id) == hostActions)
        let close = try await township.post("/api/v1/sessions/\(id)/close")
        #expect(close.status == 403 && close.json["code"] as? String == "not_host", "\(close.text)")
        let focus = try await township.post("/api/v1/sessions/\(id)/focus", ["path": "room/520602001201"])
        #expect(focus.status == 403 && focus.json["code"] as? String == "not_host", "\(focus.text)")

        // Closed: nothing but reporting.
        try await county.must("POST", "/api/v1/sessions/\(id)/close")
        #expect(try await actions(county, id) == ["report"])
        #expect(try await actions(water, id) == [])
        let late = try await water.post("/api/v1/sessions/\(id)/leave")
        #expect(late.status == 409 && late.json["code"] as? String == "session_closed", "\(late.text)")
        await gateway.stop()
    }

    @Test("every error body carries error, code and message: grade_not_lowered, unauthorized, not_found, invalid_argument, forbidden")
    func errorCodes() async throws {
        let gateway = try await RunningGateway.start()
        let township = gateway.client(try await gateway.organisationToken("520602001"))
        let incident = try await township.must("POST", "/api/v1/incidents", [
            "villageCode": "520602001201", "category": "accident", "grade": "III", "title": "Bus off the road"])
        let incidentId = try #require(incident.string("id"))
        let id = try #require(try await township.must("POST", "/api/v1/incidents/\(incidentId)/sessions").string("id"))

        func check(_ reply: ReportingClient.Reply, _ status: Int, _ code: String, _ line: Int = #line) {
            #expect(reply.status == status, "line \(line): \(reply.status) \(reply.text)")
            #expect(reply.json["code"] as? String == code, "line \(line): \(reply.text)")
            #expect(reply.json["error"] as? Int == status, "line \(line): \(reply.text)")
            #expect((reply.json["message"] as? String)?.isEmpty == false, "line \(line): \(reply.text)")
        }
        check(try await township.post("/api/v1/sessions/\(id)/escalations", ["grade": "IV"]), 409, "grade_not_lowered")
        check(try await township.post("/api/v1/sessions/\(id)/escalations", ["grade": "III"]), 409, "grade_unchanged")
        check(try await township.post("/api/v1/incidents/\(incidentId)/sessions"), 409, "session_already_open")
        check(try await township.post("/api/v1/sessions/\(id)/feeds", ["path": "room/520603001201"]), 403, "outside_jurisdiction")
        check(try await township.post("/api/v1/sessions/\(id)/feeds", ["path": "lab/x"]), 422, "invalid_argument")
        check(try await township.request("POST", "/api/v1/incidents", raw: Data("{".utf8)), 422, "invalid_argument")
        check(try await township.post("/api/v1/sessions/ses-999999/close"), 404, "not_found")
        check(try await gateway.client(nil).get("/api/v1/sessions"), 401, "unauthorized")
        check(try await gateway.client(gateway.adminToken).post("/api/v1/sessions/\(id)/close"), 403, "forbidden")
        check(try await township.post("/api/v1/orgs/520602/tokens"), 403, "forbidden")
        await gateway.stop()
    }

    @Test("Idempotency-Key: the same key and request create once (also after a restart), another request with it is refused, another caller's key is its own")
    func idempotentCreation() async throws {
        let gateway = try await RunningGateway.start()
        let townshipToken = try await gateway.organisationToken("520602001")
        let township = gateway.client(townshipToken)
        let county = gateway.client(try await gateway.organisationToken("520602"))
        let body: [String: Any] = ["villageCode": "520602001201", "category": "natural_disaster", "grade": "IV", "title": "山体滑坡", "report": "road blocked"]
        let key = ["Idempotency-Key": "form-\(UUID().uuidString)"]

        // Two requests at once, as a double click sends them, and one more after.
        let raw = try JSONSerialization.data(withJSONObject: body)
        async let first = township.request("POST", "/api/v1/incidents", raw: raw, headers: key)
        async let second = township.request("POST", "/api/v1/incidents", raw: raw, headers: key)
        let replies = try await [first, second, township.request("POST", "/api/v1/incidents", json: body, headers: key)]
        #expect(replies.map(\.status) == [201, 201, 201], "\(replies.map(\.text))")
        let ids = Set(replies.compactMap { $0.json["id"] as? String })
        #expect(ids.count == 1, "one incident for one key: \(ids)")
        let incidentId = try #require(ids.first)
        #expect(try await township.must("GET", "/api/v1/incidents").objects("incidents").count == 1)

        // The same key for a different request is a mistake, said so, and creates nothing.
        var changed = body
        changed["title"] = "another incident"
        let reused = try await township.request("POST", "/api/v1/incidents", json: changed, headers: key)
        #expect(reused.status == 422 && reused.json["code"] as? String == "idempotency_key_reused", "\(reused.text)")
        #expect((reused.json["message"] as? String)?.contains(incidentId) == true, "\(reused.text)")
        // Another caller's key is its own (the county may open incidents in its township too).
        let countyReply = try await county.request("POST", "/api/v1/incidents", json: body, headers: key)
        #expect(countyReply.status == 201 && countyReply.json["id"] as? String != incidentId, "\(countyReply.text)")
        // A malformed key is refused, not ignored.
        let bad = try await township.request("POST", "/api/v1/incidents", json: body, headers: ["Idempotency-Key": String(repeating: "k", count: 201)])
        #expect(bad.status == 422 && bad.json["code"] as? String == "invalid_argument", "\(bad.text)")
        // Without a key, each request creates.
        let plain = try await township.must("POST", "/api/v1/incidents", body)
        #expect(plain.string("id") != incidentId)

        // Sessions: a repeated start returns the session instead of "already open".
        let sessionKey = ["Idempotency-Key": "start-\(UUID().uuidString)"]
        let started = try await township.request("POST", "/api/v1/incidents/\(incidentId)/sessions", headers: sessionKey)
        let again = try await township.request("POST", "/api/v1/incidents/\(incidentId)/sessions", headers: sessionKey)
        #expect(started.status == 201 && again.status == 201, "\(started.text) \(again.text)")
        let sessionId = try #require(started.json["id"] as? String)
        #expect(again.json["id"] as? String == sessionId)
        let otherIncident = try #require(plain.string("id"))
        let wrongIncident = try await township.request("POST", "/api/v1/incidents/\(otherIncident)/sessions", headers: sessionKey)
        #expect(wrongIncident.status == 422 && wrongIncident.json["code"] as? String == "idempotency_key_reused", "\(wrongIncident.text)")
        #expect(try await township.post("/api/v1/incidents/\(incidentId)/sessions").status == 409, "without the key, the open session refuses another")

        // After a restart the keys still hold: they are kept in the creations' record.
        let data = gateway.dataDirectory
        await gateway.stop(keepData: true)
        let restarted = try await RunningGateway.start(dataDirectory: data)
        let after = restarted.client(townshipToken)
        let replay = try await after.request("POST", "/api/v1/incidents", json: body, headers: key)
        #expect(replay.status == 201 && replay.json["id"] as? String == incidentId, "\(replay.text)")
        let sessionReplay = try await after.request("POST", "/api/v1/incidents/\(incidentId)/sessions", headers: sessionKey)
        #expect(sessionReplay.status == 201 && sessionReplay.json["id"] as? String == sessionId, "\(sessionReplay.text)")
        let incidents = try await after.must("GET", "/api/v1/incidents").objects("incidents")
        #expect(incidents.count == 3, "the township's key made one, the county's one, the keyless one: \(incidents.count)")
        await restarted.stop()
    }
}
