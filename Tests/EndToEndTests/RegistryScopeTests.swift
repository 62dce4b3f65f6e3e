import Foundation
import Testing
import TestSupport

@Suite("Registry reads scoped by organisation over real HTTP")
struct RegistryScopeTests {
    func json(_ reply: HTTPClient.Reply) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any], "\(reply.text)")
    }

    @Test("city sees all; a county its county; a township its township; a department none of its own; devices stay admin-only")
    func scopes() async throws {
        let gateway = try await RunningGateway.start()
        func token(_ org: String) async throws -> String {
            try await gateway.application.reporting.database.issueToken(organisation: org).token
        }
        func get(_ path: String, _ token: String) async throws -> HTTPClient.Reply {
            try await HTTPClient.get("\(gateway.baseURL)/api/v1/\(path)", headers: ["Authorization": "Bearer \(token)"])
        }
        let city = try await token("520600"), county = try await token("520602"), township = try await token("520602001")
        let water = try await token("520600-water")

        let cityAreas = try json(try await get("areas?depth=county", city))
        #expect((cityAreas["areas"] as? [[String: Any]])?.first?["code"] as? String == "520600")

        let countyAreas = try json(try await get("areas", county))
        let countyRoots = try #require(countyAreas["areas"] as? [[String: Any]])
        #expect(countyRoots.map { $0["code"] as? String } == ["520602"])

        let countyRooms = try json(try await get("rooms?limit=500", county))
        let rooms = try #require(countyRooms["rooms"] as? [[String: Any]])
        #expect(!rooms.isEmpty)
        #expect(rooms.allSatisfy { ($0["countyCode"] as? String) == "520602" })
        let otherCounty = try json(try await get("rooms?county=520603", county))
        #expect((otherCounty["rooms"] as? [Any])?.isEmpty == true, "asking for another county gives nothing")

        let townshipRooms = try #require(try json(try await get("rooms?limit=500", township))["rooms"] as? [[String: Any]])
        #expect(!townshipRooms.isEmpty)
        #expect(townshipRooms.allSatisfy { ($0["townshipCode"] as? String) == "520602001" })

        #expect((try json(try await get("rooms", water))["rooms"] as? [Any])?.isEmpty == true)
        #expect(try json(try await get("areas", water))["areas"] as? [Any] != nil)

        #expect(try await get("rooms/520602001201", township).status == 200)
        #expect(try await get("rooms/520603001201", county).status == 404, "another county's room is not known to it")
        #expect(try await get("devices", county).status == 403, "devices and keys stay with the admin")
        #expect(try await get("rooms/520602001201/provisioning", county).status == 403)
        #expect(try await get("rooms", "forged").status == 403)
        #expect(try await HTTPClient.get("\(gateway.baseURL)/api/v1/rooms").status == 401)
        await gateway.stop()
    }

    @Test("the live path list shows an organisation the registered feeds it may watch, and no others")
    func livePaths() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let camera = try gateway.publish(clip, url: try await gateway.provisionedURL("cam/bc-520602001"), loop: true)
        defer { camera.terminate() }
        _ = try await gateway.waitForPlaylist("cam/bc-520602001", token: gateway.adminToken) { ParsedPlaylist($0).segments.count >= 1 }
        func listed(_ token: String?) async throws -> [String] {
            var headers: [String: String] = [:]
            if let token { headers["Authorization"] = "Bearer \(token)" }
            let reply = try await HTTPClient.get("\(gateway.baseURL)/api/v1/paths", headers: headers)
            let paths = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])["paths"] as? [[String: Any]]
            return (paths ?? []).compactMap { $0["path"] as? String }
        }
        let own = try await gateway.application.reporting.database.issueToken(organisation: "520602").token
        let other = try await gateway.application.reporting.database.issueToken(organisation: "520603").token
        #expect(try await listed(own).contains("cam/bc-520602001"), "the county's own township's body camera")
        #expect(try await listed(other).isEmpty, "another county sees none of it")
        #expect(try await listed(nil).isEmpty)
        #expect(try await listed(gateway.adminToken) == ["cam/bc-520602001"])
        await gateway.stop()
    }
}
