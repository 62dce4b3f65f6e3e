import Foundation
import Testing
import TestSupport

/// Points over real HTTP against a running gateway: reads scoped by jurisdiction like rooms (the
/// point's registered area decides, never its id's digits), writes the admin's, and the password
/// in no answer any caller gets.
@Suite("Surveillance points scoped by organisation over real HTTP")
struct PointScopeTests {
    static let password = "s3cr3t-PASS-123"

    @Test("a township sees its villages' points, a county also its county-level ones, another county none, a department none; writes are the admin's")
    func scopes() async throws {
        let gateway = try await RunningGateway.start()
        let admin = gateway.client(gateway.adminToken)
        var answers = ""
        func point(_ id: String, area: String, latitude: Double = 27.72, longitude: Double = 109.19) -> [String: Any] {
            ["id": id, "name": "point \(id)", "network": "sharp-eyes", "areaCode": area, "latitude": latitude, "longitude": longitude,
             "source": ["url": "rtsp://10.9.8.7/\(id)", "username": "viewer", "password": Self.password]]
        }
        // The village point's id names another county (520603…): its area is what counts.
        try await admin.must("POST", "/api/v1/points", point("52060300001320000001", area: "520602001201"))
        try await admin.must("POST", "/api/v1/points", point("county-level-1", area: "520602"))
        try await admin.must("POST", "/api/v1/points", point("other-county-1", area: "520603001201", latitude: 27.52, longitude: 109.21))

        let township = gateway.client(try await gateway.organisationToken("520602001"))
        let county = gateway.client(try await gateway.organisationToken("520602"))
        let other = gateway.client(try await gateway.organisationToken("520603"))
        let city = gateway.client(try await gateway.organisationToken("520600"))
        let water = gateway.client(try await gateway.organisationToken("520600-water"))
        func ids(_ client: ReportingClient, _ query: String = "") async throws -> Set<String> {
            let reply = try await client.get("/api/v1/points?limit=200" + query)
            answers += reply.text
            #expect(reply.status == 200, "\(reply.text)")
            return Set((reply.json["points"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
        }
        #expect(try await ids(township) == ["52060300001320000001"])
        #expect(try await ids(county) == ["52060300001320000001", "county-level-1"])
        #expect(try await ids(other) == ["other-county-1"])
        #expect(try await ids(city) == ["52060300001320000001", "county-level-1", "other-county-1"])
        #expect(try await ids(water).isEmpty)
        #expect(try await ids(county, "&county=520603").isEmpty, "asking for another county gives nothing")
        #expect(try await ids(township, "&near=27.72,109.19&radiusKm=50") == ["52060300001320000001"])
        #expect(try await ids(city, "&near=27.72,109.19&radiusKm=1") == ["52060300001320000001", "county-level-1"])

        for (client, id, status) in [(township, "52060300001320000001", 200), (township, "county-level-1", 404), (county, "county-level-1", 200),
                                     (other, "52060300001320000001", 404), (water, "other-county-1", 404), (city, "other-county-1", 200)] {
            let reply = try await client.get("/api/v1/points/\(id)")
            answers += reply.text
            #expect(reply.status == status, "\(id): \(reply.status) \(reply.text)")
        }
        for client in [township, county, city] {
            #expect(try await client.request("POST", "/api/v1/points", json: point("by-an-org-1", area: "520602001201")).status == 403)
            #expect(try await client.request("PATCH", "/api/v1/points/county-level-1", json: ["enabled": false]).status == 403)
            #expect(try await client.request("DELETE", "/api/v1/points/county-level-1").status == 403)
        }
        #expect(try await HTTPClient.get("\(gateway.baseURL)/api/v1/points").status == 401)
        #expect(gateway.application.registry.admission.areaCode(path: "point/52060300001320000001") == "520602001201")
        let adminList = try await admin.get("/api/v1/points")
        answers += adminList.text
        #expect(!answers.contains(Self.password), "no answer carries the password")
        #expect(answers.contains("\"hasCredentials\":true"))
        await gateway.stop()
    }
}
