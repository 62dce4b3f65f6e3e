import Foundation
import Recording
import Testing
import TestSupport

/// `GET /api/v1/incidents/{id}/hold` (issue 14, the console's hold switch): whether the incident's
/// video is held, to anyone who may read the incident, with the actions the caller may take, which
/// are exactly the callers the POST and DELETE accept.
@Suite("Legal hold: its state is read with the incident")
struct LegalHoldAPITests {
    @Test("held or not, by whom and why, and who may change it; POST and DELETE change it")
    func holdState() async throws {
        let gateway = try await RunningGateway.start()
        let admin = gateway.client(gateway.adminToken)
        let township = gateway.client(try await gateway.organisationToken("520602001"))
        let county = gateway.client(try await gateway.organisationToken("520602"))
        let otherCounty = gateway.client(try await gateway.organisationToken("520603"))
        let incident = try #require(try await township.must("POST", "/api/v1/incidents", [
            "villageCode": "520602001201", "category": "natural_disaster", "grade": "IV", "title": "Landslide", "report": "road blocked"]).string("id"))
        let path = "/api/v1/incidents/\(incident)/hold"

        let free = try await township.must("GET", path)
        #expect(free["held"] as? Bool == false && free["hold"] == nil && free["actions"] as? [String] == [], "\(free)")
        #expect(try await county.must("GET", path)["actions"] as? [String] == ["place"])
        #expect(try await admin.must("GET", path)["actions"] as? [String] == ["place"])
        #expect(try await otherCounty.get(path).status == 404, "an incident the caller may not read")
        #expect(try await gateway.client(nil).get(path).status == 401)
        #expect(try await admin.get("/api/v1/incidents/no-such-incident/hold").status == 404)

        try await county.must("POST", path, ["note": "county court, case 2026-117"])
        let held = try await township.must("GET", path)
        let hold = held["hold"] as? [String: Any] ?? [:]
        #expect(held["held"] as? Bool == true && held["actions"] as? [String] == [], "\(held)")
        #expect(hold.string("incident") == incident && hold.string("placedBy") == "520602" && hold.string("note") == "county court, case 2026-117")
        #expect(hold.string("placedAt").flatMap(RecordingTime.parse) != nil, "\(hold)")
        #expect(try await county.must("GET", path)["actions"] as? [String] == ["release"])
        #expect(try await township.post(path, ["note": "x"]).status == 403, "the township reads the hold but may not change it")

        #expect(try await county.delete(path).status == 204)
        #expect(try await township.must("GET", path)["held"] as? Bool == false)
        await gateway.stop()
    }
}
