import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import RoomRegistry
import StreamHub
import Testing
@testable import RelayAPI

/// The registry's REST routes over a real SQLite registry (WAL file in a temporary directory),
/// seeded with the Tongren demo once for the whole suite: seeding takes about a second in debug.
///
/// Tests share that registry and run in parallel, so each one either only reads, or writes only
/// devices it created under its own unique id. Live status is fixed once at seeding (3 rooms online,
/// 1 stalled, 1 reconnecting) and never changed afterwards, so counts stay predictable.
@Suite("Registry REST routes: areas, rooms, devices, organisations, provisioning")
struct RegistryRoutesTests {
    static let token = "test-admin-token"
    static let auth: HTTPFields = [.authorization: "Bearer \(token)"]

    struct Fixture: Sendable {
        var registry: Registry
        var directory: URL
        var online: [String]
        var stalled: String
        var reconnecting: String
    }

    static let fixture = Task<Fixture, any Error> {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("registry-routes-\(UUID().uuidString)")
        let registry = try Registry.open(directory: directory)
        try await registry.seedDemo()
        let first = try await registry.rooms(RoomQuery(county: "520602", limit: 5)).rooms.map(\.code)
        for code in first.prefix(3) { registry.status.update(path: "room/\(code)", status: .online) }
        registry.status.update(path: "room/\(first[3])", status: .stalled)
        registry.status.update(path: "room/\(first[4])", status: .reconnecting)
        return Fixture(registry: registry, directory: directory, online: Array(first.prefix(3)), stalled: first[3], reconnecting: first[4])
    }

    static func app(_ registry: Registry, publicHost: String = "", srtPort: Int = 9000) async throws -> some ApplicationProtocol {
        let paths = PathManager(configuration: .init(), logger: Logger(label: "test")) { _ in [] }
        let configuration = RelayRouter.Configuration(publicHost: publicHost, srtPort: srtPort)
        return Application(router: RelayRouter.build(paths: paths, packagers: RelayRouterTests.packagers, registry: registry,
                                                     reporting: try await TestReporting.context(adminToken: token),
                                                     configuration: configuration) { [] })
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body))
        return try #require(object as? [String: Any], "not a JSON object: \(String(buffer: response.body))")
    }

    static func get(_ client: some TestClientProtocol, _ uri: String) async throws -> (HTTPResponse.Status, [String: Any]) {
        let response = try await client.execute(uri: uri, method: .get, headers: auth)
        return (response.status, try json(response))
    }

    static func post(_ client: some TestClientProtocol, _ uri: String, body: String? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
        var headers = auth
        if body != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(uri: uri, method: .post, headers: headers, body: body.map { ByteBuffer(string: $0) })
        return (response.status, try json(response))
    }

    /// Walks every page of `/api/v1/rooms?<filter>` and returns the codes in order.
    static func allCodes(_ client: some TestClientProtocol, _ filter: String, limit: Int = 500) async throws -> (codes: [String], pages: Int) {
        var codes: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            var uri = "/api/v1/rooms?limit=\(limit)" + (filter.isEmpty ? "" : "&\(filter)")
            if let cursor { uri += "&cursor=\(cursor)" }
            let (status, body) = try await get(client, uri)
            try #require(status == .ok, "\(uri): \(body)")
            let rooms = try #require(body["rooms"] as? [[String: Any]])
            codes += rooms.compactMap { $0["code"] as? String }
            #expect(body.keys.contains("nextCursor"), "nextCursor is always present, null on the last page")
            cursor = body["nextCursor"] as? String
            pages += 1
        } while cursor != nil && pages < 100
        return (codes, pages)
    }

    static func uniqueDeviceID() -> String {
        "t-" + UUID().uuidString.prefix(12).lowercased()
    }

    // MARK: - Authentication

    @Test("every registry route needs the admin token: 401 without one, 403 with a wrong one", arguments: [
        (HTTPRequest.Method.get, "/api/v1/areas"),
        (.get, "/api/v1/rooms"),
        (.get, "/api/v1/rooms/520602001201"),
        (.get, "/api/v1/rooms/520602001201/provisioning"),
        (.get, "/api/v1/devices"),
        (.post, "/api/v1/devices"),
        (.get, "/api/v1/devices/x"),
        (.post, "/api/v1/devices/x/revoke"),
        (.post, "/api/v1/devices/x/rotate-key"),
        (.get, "/api/v1/devices/x/provisioning"),
        (.get, "/api/v1/orgs"),
        (.get, "/api/v1/orgs/520600/provisioning"),
    ])
    func authentication(method: HTTPRequest.Method, uri: String) async throws {
        let fixture = try await Self.fixture.value
        try await (try await Self.app(fixture.registry)).test(.router) { client in
            let anonymous = try await client.execute(uri: uri, method: method)
            #expect(anonymous.status == .unauthorized, "\(uri)")
            #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
            let wrong = try await client.execute(uri: uri, method: method, headers: [.authorization: "Bearer not-the-token"])
            #expect(wrong.status == .forbidden, "\(uri)")
            #expect(!String(buffer: wrong.body).contains("passphrase"))
        }
    }

    // MARK: - Areas

    @Test("the area tree: 1 city, 10 counties, 181 townships, 2,911 rooms, live online counts")
    func areaTree() async throws {
        let fixture = try await Self.fixture.value
        try await (try await Self.app(fixture.registry)).test(.router) { client in
            let (status, body) = try await Self.get(client, "/api/v1/areas")
            #expect(status == .ok)
            #expect(body["roomsTotal"] as? Int == 2911)
            #expect(body["roomsOnline"] as? Int == 3)
            let cities = try #require(body["areas"] as? [[String: Any]])
            #expect(cities.count == 1)
            let city = try #require(cities.first)
            #expect(city["code"] as? String == "520600")
            #expect(city["level"] as? String == "city")
            let counties = try #require(city["children"] as? [[String: Any]])
            #expect(counties.count == 10)
            #expect(counties.allSatisfy { $0["level"] as? String == "county" })
            let townships = counties.flatMap { $0["children"] as? [[String: Any]] ?? [] }
            #expect(townships.count == 181)
            let villages = townships.flatMap { $0["children"] as? [[String: Any]] ?? [] }
            #expect(villages.count == 2911)
            #expect(villages.allSatisfy { $0["level"] as? String == "village" && $0["roomsTotal"] as? Int == 1 })
            #expect(townships.reduce(0) { $0 + ($1["roomsTotal"] as? Int ?? 0) } == 2911)
            let bijiang = try #require(counties.first { $0["code"] as? String == "520602" })
            #expect(bijiang["roomsOnline"] as? Int == 3, "stalled and reconnecting rooms are not online")
            for key in ["code", "name", "level", "roomsTotal", "roomsOnline", "children"] {
                #expect(city.keys.contains(key), "node field \(key)")
            }

            let (_, shallow) = try await Self.get(client, "/api/v1/areas?depth=county")
            let shallowCounties = try #require((shallow["areas"] as? [[String: Any]])?.first?["children"] as? [[String: Any]])
            #expect(shallowCounties.count == 10)
            #expect(shallowCounties.allSatisfy { ($0["children"] as? [Any])?.isEmpty == true })
            #expect(shallow["roomsTotal"] as? Int == 2911)

            let (badStatus, bad) = try await Self.get(client, "/api/v1/areas?depth=street")
            #expect(badStatus == .badRequest)
            #expect((bad["message"] as? String)?.contains("depth") == true)
        }
    }

    // MARK: - Rooms

    @Test("walking every page with limit 500 returns all 2,911 rooms once, in code order")
    func pagingAll() async throws {
        let fixture = try await Self.fixture.value
        try await (try await Self.app(fixture.registry)).test(.router) { client in
            let (codes, pages) = try await Self.allCodes(client, "")
            #expect(codes.count == 2911)
            #expect(Set(codes).count == 2911, "no duplicates across pages")
            #expect(codes == codes.sorted())
            #expect(pages == 6)
        }
    }

    @Test("room list fields and the county, township, status and text filters")
    func filters() async throws {
        let fixture = try await Self.fixture.value
        try await (try await Self.app(fixture.registry)).test(.router) { client in
            let (status, body) = try await Self.get(client, "/api/v1/rooms?county=520602&limit=2")
            #expect(status == .ok)
            let first = try #require((body["rooms"] as? [[String: Any]])?.first)
            for key in ["code", "name", "townshipCode", "countyCode", "status", "synthetic", "latitude", "longitude"] {
                #expect(first.keys.contains(key), "room field \(key)")
            }
            #expect(first["countyCode"] as? String == "520602")
            #expect(first["synthetic"] as? Bool == true)
            #expect(body["nextCursor"] is String)

            let tree = fixture.registry.areaTree(depth: .township)
            let countyTotal = tree.first?.children.first { $0.code == "520602" }?.roomsTotal
            let county = try await Self.allCodes(client, "county=520602").codes
            #expect(county.count == countyTotal)
            #expect(county.allSatisfy { $0.hasPrefix("520602") })

            let township = try #require(tree.first?.children.first { $0.code == "520623" }?.children.first)
            let townshipCodes = try await Self.allCodes(client, "township=\(township.code)", limit: 7).codes
            #expect(townshipCodes.count == township.roomsTotal)
            #expect(townshipCodes.allSatisfy { $0.hasPrefix(township.code) })

            #expect(try await Self.allCodes(client, "status=online").codes == fixture.online)
            #expect(try await Self.allCodes(client, "status=stalled").codes == [fixture.stalled])
            #expect(try await Self.allCodes(client, "status=reconnecting&county=520602").codes == [fixture.reconnecting])
            #expect(try await Self.allCodes(client, "status=offline").codes.count == 2911 - 5)

            // Text: a room's name (percent-encoded UTF-8) and a code fragment.
            let sample = try await fixture.registry.room(code: fixture.online[0])
            let name = try #require(sample.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let byName = try await Self.allCodes(client, "q=\(name)").codes
            #expect(byName.contains(sample.code))
            let byCode = try await Self.allCodes(client, "q=\(sample.townshipCode)").codes
            #expect(byCode.count >= 1 && byCode.allSatisfy { $0.hasPrefix(sample.townshipCode) })
        }
    }

    @Test("bad room-list parameters are 400 with a message", arguments: [
        "limit=abc", "limit=0", "limit=501", "limit=-3", "status=sleeping", "cursor=not-a-cursor", "county=12",
        "township=5206020", "county=abcdef",
    ])
    func badParameters(query: String) async throws {
        let fixture = try await Self.fixture.value
        try await (try await Self.app(fixture.registry)).test(.router) { client in
            let (status, body) = try await Self.get(client, "/api/v1/rooms?\(query)")
            #expect(status == .badRequest, "\(query)")
            #expect((body["message"] as? String)?.isEmpty == false)
            #expect(body["error"] as? Int == 400)
        }
    }

    @Test("search text with quotes, SQL or LIKE wildcards is matched literally and harmlessly")
    func hostileSearch() async throws {
        let fixture = try await Self.fixture.value
        try await (try await Self.app(fixture.registry)).test(.router) { client in
            for text in ["'; DROP TABLE rooms; --", "\" OR 1=1 --", "%", "_", "' OR ''='", "\\"] {
                let encoded = try #require(text.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
                let (status, body) = try await Self.get(client, "/api/v1/rooms?q=\(encoded)")
                #expect(status == .ok, "\(text)")
                #expect((body["rooms"] as? [Any])?.isEmpty == true, "\(text) matches nothing")
            }
            #expect(try await fixture.registry.counts().rooms == 2911, "the table is still there")
            #expect(try await Self.allCodes(client, "").codes.count == 2911)
        }
    }

    @Test("room detail: live figures and HLS URL; unknown code 404, malformed 422")
    func roomDetail() async throws {
        let fixture = try await Self.fixture.value
        try await (try await Self.app(fixture.registry)).test(.router) { client in
            let code = fixture.online[0]
            let (status, body) = try await Self.get(client, "/api/v1/rooms/\(code)")
            #expect(status == .ok)
            #expect(body["code"] as? String == code)
            #expect(body["status"] as? String == "online")
            #expect(body["hlsUrl"] as? String == "/hls/room/\(code)/index.m3u8")
            #expect(body["countyName"] as? String == "碧江区")
            let live = try #require(body["live"] as? [String: Any])
            #expect(live["status"] as? String == "online")
            #expect(live["since"] is String)
            #expect(body["passphrase"] == nil, "no key material outside provisioning")

            let (missing, missingBody) = try await Self.get(client, "/api/v1/rooms/520602999999")
            #expect(missing == .notFound)
            #expect(missingBody["error"] as? Int == 404)
            #expect(try await Self.get(client, "/api/v1/rooms/abc").0 == .unprocessableContent)
        }
    }

    // MARK: - Provisioning

    @Test("room provisioning: the host comes from the Host (authority) without its port; stream id percent-encoded")
    func provisioningFromRequestHost() async throws {
        let fixture = try await Self.fixture.value
        let code = fixture.online[1]
        try await (try await Self.app(fixture.registry)).test(.router) { client in
            let (status, body) = try await Self.get(client, "/api/v1/rooms/\(code)/provisioning")
            #expect(status == .ok)
            let passphrase = try #require(body["passphrase"] as? String)
            #expect(passphrase == fixture.registry.admission.lookup(path: "room/\(code)")?.passphrase)
            #expect(passphrase.count == 24 && passphrase.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
            #expect(body["streamId"] as? String == "#!::r=room/\(code),m=publish")
            #expect(body["keyCreatedAt"] is String)
            // The router test transport always names the authority `localhost`.
            #expect(body["srtUrl"] as? String
                    == "srt://localhost:9000?streamid=%23%21%3A%3Ar%3Droom%2F\(code)%2Cm%3Dpublish&passphrase=\(passphrase)&pbkeylen=16")
            #expect(try await Self.get(client, "/api/v1/rooms/520602999999/provisioning").0 == .notFound)
        }
    }

    @Test("provisioning uses the configured public host and SRT port when set; hall keys too")
    func provisioningFromPublicHost() async throws {
        let fixture = try await Self.fixture.value
        try await (try await Self.app(fixture.registry, publicHost: "relay.tongren.example", srtPort: 9100)).test(.router) { client in
            let (_, room) = try await Self.get(client, "/api/v1/rooms/\(fixture.online[2])/provisioning")
            #expect((room["srtUrl"] as? String)?.hasPrefix("srt://relay.tongren.example:9100?streamid=%23%21%3A%3Ar%3Droom%2F") == true)
            let (status, hall) = try await Self.get(client, "/api/v1/orgs/520600-water/provisioning")
            #expect(status == .ok)
            #expect(hall["streamId"] as? String == "#!::r=hall/520600-water,m=publish")
            #expect(hall["passphrase"] as? String == fixture.registry.admission.lookup(path: "hall/520600-water")?.passphrase)
            #expect(try await Self.get(client, "/api/v1/orgs/520699/provisioning").0 == .notFound)
        }
    }

    @Test("the SRT host: port stripped from the authority, IPv6 kept in brackets, odd Host values refused")
    func srtHost() {
        #expect(ProvisioningResponse.srtHost(publicHost: "", authority: "relay.example:8080") == "relay.example")
        #expect(ProvisioningResponse.srtHost(publicHost: "", authority: "10.0.0.5") == "10.0.0.5")
        #expect(ProvisioningResponse.srtHost(publicHost: "", authority: "[fd00::1]:8080") == "[fd00::1]")
        #expect(ProvisioningResponse.srtHost(publicHost: "", authority: "evil.example?passphrase=x") == nil)
        #expect(ProvisioningResponse.srtHost(publicHost: "", authority: nil) == nil)
        #expect(ProvisioningResponse.srtHost(publicHost: "fd00::2", authority: "ignored:1") == "[fd00::2]")
        #expect(ProvisioningResponse.srtHost(publicHost: "relay.example", authority: "other:8080") == "relay.example")
    }

    // MARK: - Devices

    @Test("device add is 201, a duplicate 409, an unknown owner 404; list filters by organisation")
    func addAndList() async throws {
        let fixture = try await Self.fixture.value
        let id = Self.uniqueDeviceID()
        try await (try await Self.app(fixture.registry)).test(.router) { client in
            let (status, device) = try await Self.post(client, "/api/v1/devices", body: #"{"id": "\#(id)", "name": "救援队单兵01", "org": "520600-fire"}"#)
            #expect(status == .created)
            #expect(device["id"] as? String == id)
            #expect(device["name"] as? String == "救援队单兵01")
            #expect(device["org"] as? String == "520600-fire")
            #expect(device["state"] as? String == "active")
            #expect(device["createdAt"] is String)
            #expect(fixture.registry.admission.lookup(path: "cam/\(id)") != nil, "admitted at once")

            let (duplicate, duplicateBody) = try await Self.post(client, "/api/v1/devices", body: #"{"id": "\#(id)", "name": "again", "org": "520600"}"#)
            #expect(duplicate == .conflict)
            #expect(duplicateBody["error"] as? Int == 409)
            let (unknownOrg, _) = try await Self.post(client, "/api/v1/devices", body: #"{"id": "\#(id)x", "name": "n", "org": "999999"}"#)
            #expect(unknownOrg == .notFound)

            let (listStatus, list) = try await Self.get(client, "/api/v1/devices?org=520600-fire")
            #expect(listStatus == .ok)
            let devices = try #require(list["devices"] as? [[String: Any]])
            #expect(devices.contains { $0["id"] as? String == id })
            #expect(devices.allSatisfy { $0["org"] as? String == "520600-fire" })
            let (_, all) = try await Self.get(client, "/api/v1/devices")
            #expect((all["devices"] as? [Any])?.count ?? 0 >= 181, "one demo body camera per township")

            let (provisioningStatus, provisioning) = try await Self.get(client, "/api/v1/devices/\(id)/provisioning")
            #expect(provisioningStatus == .ok)
            #expect(provisioning["streamId"] as? String == "#!::r=cam/\(id),m=publish")
            #expect((provisioning["srtUrl"] as? String)?.contains("streamid=%23%21%3A%3Ar%3Dcam%2F\(id)%2Cm%3Dpublish") == true)
            #expect(try await Self.get(client, "/api/v1/devices/no-such-device/provisioning").0 == .notFound)
        }
    }

    @Test("device ids with '/', '..' or other characters that would break a path are 422", arguments: [
        "a/b", "..", "../etc", "cam..1", "a b", "", "x,m=request", String(repeating: "a", count: 65),
    ])
    func badDeviceID(id: String) async throws {
        let fixture = try await Self.fixture.value
        try await (try await Self.app(fixture.registry)).test(.router) { client in
            let body = String(decoding: try JSONEncoder().encode(["id": id, "name": "n", "org": "520600"]), as: UTF8.self)
            let (status, response) = try await Self.post(client, "/api/v1/devices", body: body)
            #expect(status == .unprocessableContent, "\(id)")
            #expect((response["message"] as? String)?.contains("device id") == true)
        }
    }

    @Test("revoke: the device is revoked and has no usable key; revoking again changes nothing")
    func revoke() async throws {
        let fixture = try await Self.fixture.value
        let id = Self.uniqueDeviceID()
        _ = try await fixture.registry.addDevice(id: id, name: "to revoke", org: "520602")
        try await (try await Self.app(fixture.registry)).test(.router) { client in
            let (status, device) = try await Self.post(client, "/api/v1/devices/\(id)/revoke")
            #expect(status == .ok)
            #expect(device["state"] as? String == "revoked")
            #expect(fixture.registry.admission.lookup(path: "cam/\(id)")?.revoked == true)
            #expect(try await Self.post(client, "/api/v1/devices/\(id)/revoke").0 == .ok)
            #expect(try await Self.get(client, "/api/v1/devices/\(id)/provisioning").0 == .conflict)
            #expect(try await Self.post(client, "/api/v1/devices/\(id)/rotate-key").0 == .conflict)
            #expect(try await Self.post(client, "/api/v1/devices/nobody-here/revoke").0 == .notFound)
        }
    }

    @Test("rotate-key: a new passphrase, and the old one is gone from the admission index")
    func rotateKey() async throws {
        let fixture = try await Self.fixture.value
        let id = Self.uniqueDeviceID()
        _ = try await fixture.registry.addDevice(id: id, name: "to rotate", org: "520602")
        let old = try #require(fixture.registry.admission.lookup(path: "cam/\(id)")?.passphrase)
        try await (try await Self.app(fixture.registry)).test(.router) { client in
            let (status, body) = try await Self.post(client, "/api/v1/devices/\(id)/rotate-key")
            #expect(status == .ok)
            let new = try #require(body["passphrase"] as? String)
            #expect(new != old)
            #expect(body["streamId"] as? String == "#!::r=cam/\(id),m=publish")
            #expect((body["srtUrl"] as? String)?.hasSuffix("&passphrase=\(new)&pbkeylen=16") == true)
            let entry = try #require(fixture.registry.admission.lookup(path: "cam/\(id)"))
            #expect(entry.passphrase == new)
            #expect(fixture.registry.admission.allEntries().allSatisfy { $0.passphrase != old })
        }
    }

    @Test("bodies: malformed JSON, a missing field or a wrong type is 422 with what was wrong", arguments: [
        ("{\"id\": \"x\", ", HTTPResponse.Status.unprocessableContent, "not valid JSON"),
        ("", .unprocessableContent, "not valid JSON"),
        ("[1, 2]", .unprocessableContent, "JSON object"),
        (#"{"id": "x", "name": "n"}"#, .unprocessableContent, "'org'"),
        (#"{"id": 7, "name": "n", "org": "520600"}"#, .unprocessableContent, "'id'"),
        (#"{"id": null, "name": "n", "org": "520600"}"#, .unprocessableContent, "'id'"),
    ])
    func badBodies(body: String, status: HTTPResponse.Status, mentions: String) async throws {
        let fixture = try await Self.fixture.value
        try await (try await Self.app(fixture.registry)).test(.router) { client in
            let (got, response) = try await Self.post(client, "/api/v1/devices", body: body)
            #expect(got == status)
            let message = try #require(response["message"] as? String)
            #expect(message.contains(mentions), "\(message)")
        }
    }

    @Test("a body over 64 KiB is 413 and nothing is registered")
    func oversizedBody() async throws {
        let fixture = try await Self.fixture.value
        let id = Self.uniqueDeviceID()
        let body = #"{"id": "\#(id)", "name": ""# + String(repeating: "a", count: 70_000) + #"", "org": "520600"}"#
        try await (try await Self.app(fixture.registry)).test(.router) { client in
            let (status, response) = try await Self.post(client, "/api/v1/devices", body: body)
            #expect(status == .contentTooLarge)
            #expect((response["message"] as? String)?.contains("64 KiB") == true)
        }
        #expect(fixture.registry.admission.lookup(path: "cam/\(id)") == nil)
    }

    // MARK: - Organisations and error mapping

    @Test("organisations: the city hall, county halls, township centres and departments; level filter")
    func organisations() async throws {
        let fixture = try await Self.fixture.value
        try await (try await Self.app(fixture.registry)).test(.router) { client in
            let (status, body) = try await Self.get(client, "/api/v1/orgs")
            #expect(status == .ok)
            let organisations = try #require(body["organisations"] as? [[String: Any]])
            // The city hall, 10 county halls, 181 township centres and 4 departments.
            let expected = 196
            #expect(organisations.count == expected)
            let ids = Set(organisations.compactMap { $0["id"] as? String })
            #expect(ids.isSuperset(of: ["520600", "520602", "520600-water", "520600-forestry", "520600-fire", "520600-natural-resources"]))
            let (_, departments) = try await Self.get(client, "/api/v1/orgs?level=department")
            #expect((departments["organisations"] as? [Any])?.count == 4)
            #expect(try await Self.get(client, "/api/v1/orgs?level=ministry").0 == .badRequest)
        }
    }

    @Test("a registry opened read-only answers writes with 503 and reads normally")
    func readOnlyRegistry() async throws {
        let fixture = try await Self.fixture.value
        let readOnly = try Registry.open(directory: fixture.directory, options: RegistryOptions(readOnly: true))
        defer { try? readOnly.close() }
        try await (try await Self.app(readOnly)).test(.router) { client in
            let (status, body) = try await Self.post(client, "/api/v1/devices", body: #"{"id": "\#(Self.uniqueDeviceID())", "name": "n", "org": "520600"}"#)
            #expect(status == .serviceUnavailable)
            #expect((body["message"] as? String)?.contains("read-only") == true)
            #expect(try await Self.get(client, "/api/v1/rooms?limit=1").0 == .ok)
        }
    }

    @Test("storage-level registry errors become 5xx without the engine's wording")
    func errorMapping() {
        // The mapping logs the detail; keep it out of the test output.
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let storage = RegistryError(.storage, "registry storage failed: SQLite error 1: no such table: room").apiError(invalidInput: .content, logger: logger)
        #expect(storage.status == .internalServerError)
        #expect(!storage.message.contains("SQL") && !storage.message.contains("table"))
        let busy = RegistryError(.busy, "locked: database is locked").apiError(invalidInput: .content, logger: logger)
        #expect(busy.status == .serviceUnavailable)
        #expect(busy.headers[.retryAfter] == "1")
        #expect(!busy.message.contains("database is locked"))
        let readOnly = RegistryError(.readOnly, "attempt to write a readonly database").apiError(invalidInput: .content, logger: logger)
        #expect(readOnly.status == .serviceUnavailable)
        #expect(RegistryError(.cancelled, "x").apiError(invalidInput: .query, logger: logger).status == .internalServerError)
        #expect(RegistryError(.invalid, "x").apiError(invalidInput: .query, logger: logger).status == .badRequest)
        #expect(RegistryError(.invalid, "x").apiError(invalidInput: .content, logger: logger).status == .unprocessableContent)
        #expect(RegistryError(.duplicate, "x").apiError(invalidInput: .content, logger: logger).status == .conflict)
        #expect(RegistryError(.conflict, "x").apiError(invalidInput: .content, logger: logger).status == .conflict)
        #expect(RegistryError(.notFound, "x").apiError(invalidInput: .content, logger: logger).status == .notFound)
    }
}
