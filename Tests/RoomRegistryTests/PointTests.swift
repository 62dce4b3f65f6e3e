import Foundation
import GRDB
import Testing
@testable import RoomRegistry

/// Surveillance points in the registry (issue 15, part 1): the model, refusals that name the
/// field and write nothing, listing and `near`, CSV round trips, and credentials encrypted at rest
/// with `<data>/points.key`.
@Suite("Surveillance points: model, refusals, listing, near, CSV, credentials at rest")
struct PointTests {
    static let password = "s3cr3t-PASS-123"
    static let village = "520602001201"

    /// A registry with the small CSV's areas (city, one county, one township, two villages).
    static func small(_ dir: TempDirectory) async throws -> Registry {
        let registry = try Registry.open(directory: dir.url)
        try await registry.importCSV(smallCSV)
        return registry
    }

    static func draft(_ id: String = "52060200001320000001", area: String = village, latitude: Double = 27.70, longitude: Double = 109.18,
                      network: String = "skynet", url: String = "rtsp://10.0.0.1:554/ch1", credentials: PointCredentials? = nil) -> PointDraft {
        PointDraft(id: id, name: "桥头天网01", network: network, areaCode: area, latitude: latitude, longitude: longitude, url: url,
                   credentials: credentials)
    }

    /// Every file in the data directory except the key, as one byte string.
    static func dataFiles(_ dir: TempDirectory) throws -> [(String, Data)] {
        try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0 != PointCredentialKey.fileName }.map {
            ($0, try Data(contentsOf: dir.url.appendingPathComponent($0)))
        }
    }

    @Test("create, read, patch, enable, delete; the path index knows the point's area, not its id's digits")
    func lifecycle() async throws {
        let dir = try TempDirectory("points")
        defer { dir.remove() }
        let registry = try await Self.small(dir)
        // The id's digits say county 520603; the point is registered to a village of 520602.
        let id = "52060300001320000009"
        let created = try await registry.createPoint(Self.draft(id))
        #expect(created.areaCode == Self.village && created.countyCode == "520602" && created.townshipCode == "520602001")
        #expect(created.source == PointSource(kind: .rtsp, url: "rtsp://10.0.0.1:554/ch1", transport: .tcp, hasCredentials: false))
        #expect(created.enabled && created.state == .idle)
        #expect(registry.admission.areaCode(path: "point/\(id)") == Self.village)
        #expect(try await registry.point(id: id) == created)

        let moved = try await registry.updatePoint(id: id, PointPatch(areaCode: "520602", transport: "udp"))
        #expect(moved.areaCode == "520602" && moved.townshipCode == nil && moved.source.transport == .udp && moved.name == created.name)
        #expect(registry.admission.areaCode(path: "point/\(id)") == "520602")
        #expect(try await registry.setPointEnabled(id: id, false).enabled == false)
        #expect(try await registry.setPointEnabled(id: id, true).enabled == true)

        // Encoded as the API shows it: derived codes, the datum, townshipCode null, no secrets.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try #require(try JSONSerialization.jsonObject(with: encoder.encode(moved)) as? [String: Any])
        #expect(json["coordinateSystem"] as? String == "WGS-84")
        #expect(json.keys.contains("townshipCode") && json["townshipCode"] is NSNull)
        #expect(json["state"] as? String == "idle")

        try await registry.deletePoint(id: id)
        #expect(registry.admission.areaCode(path: "point/\(id)") == nil)
        await expectRegistryError(.notFound) { _ = try await registry.point(id: id) }
        await expectRegistryError(.notFound) { try await registry.deletePoint(id: id) }
        try registry.close()
    }

    @Test("bad input is refused naming the field, and nothing is written", arguments: [
        ("id", draft("short")),
        ("id", draft("has/slash-0001")),
        ("network", draft(network: "tianwang")),
        ("areaCode", draft(area: "520602999201")),       // well formed, not registered
        ("areaCode", draft(area: "520600")),             // the city
        ("areaCode", draft(area: "5206")),
        ("latitude", draft(latitude: 91)),
        ("latitude", draft(latitude: .nan)),
        ("longitude", draft(longitude: -181)),
        ("source.url", draft(url: "http://10.0.0.1/ch1")),
        ("source.url", draft(url: "rtsp://")),
        ("source.url", draft(url: "rtsp://admin:\(password)@10.0.0.1/ch1")),
        ("source.url", draft(url: "rtsp://10.0.0.1:99999/ch1")),
        ("source.url", draft(url: "rtsp://10.0.0.1/a b")),
        ("source.username", draft(credentials: PointCredentials(username: "ad\u{7}min", password: "x"))),
    ])
    func refusals(_ field: String, _ draft: PointDraft) async throws {
        let dir = try TempDirectory("points-bad")
        defer { dir.remove() }
        let registry = try await Self.small(dir)
        let error = await expectRegistryError(.invalid, field: field) { _ = try await registry.createPoint(draft) }
        #expect(error?.description.contains(Self.password) == false, "no message repeats a password")
        #expect(try await registry.counts().points == 0)
        #expect(registry.admission.pointCount == 0)
        try registry.close()
    }

    @Test("a duplicate id is refused (field id); a patch with a bad field changes nothing")
    func duplicateAndBadPatch() async throws {
        let registry = try Registry.openInMemory()
        try await registry.importCSV(smallCSV)
        let point = try await registry.createPoint(Self.draft())
        await expectRegistryError(.duplicate, field: "id") { _ = try await registry.createPoint(Self.draft()) }
        await expectRegistryError(.invalid, field: "network") {
            _ = try await registry.updatePoint(id: point.id, PointPatch(name: "changed", network: "nope"))
        }
        await expectRegistryError(.invalid, field: "areaCode") {
            _ = try await registry.updatePoint(id: point.id, PointPatch(name: "changed", areaCode: "520602999"))
        }
        #expect(try await registry.point(id: point.id) == point)
        await expectRegistryError(.invalid, field: "source.password") {
            _ = try PointPatch.credentialsChange(username: "admin", password: nil)
        }
    }

    @Test("listing: county and township ranges, network, q, cursor paging in area then id order")
    func listing() async throws {
        let registry = try Registry.openInMemory()
        try await registry.seedDemo()
        #expect(try await registry.seedDemoPoints(count: 3_000) == 3_000)
        #expect(try await registry.seedDemoPoints(count: 10) == 0, "seeding points again adds nothing")
        #expect(registry.admission.pointCount == 3_000)

        var seen: [Point] = []
        var cursor: String?
        repeat {
            let page = try await registry.points(PointQuery(county: "520602", limit: 97, cursor: cursor))
            seen += page.points
            cursor = page.nextCursor
        } while cursor != nil
        #expect(!seen.isEmpty && seen.allSatisfy { $0.countyCode == "520602" })
        let keys = seen.map { [$0.areaCode, $0.id] }
        #expect(keys == keys.sorted { $0.lexicographicallyPrecedes($1) }, "area then id order")
        #expect(Set(seen.map(\.id)).count == seen.count, "each point once")
        #expect(seen.contains { $0.areaCode == "520602" }, "county-level points belong to the county")

        let township = try #require(seen.first { $0.townshipCode != nil }?.townshipCode)
        let inTownship = try await registry.points(PointQuery(township: township, limit: 500)).points
        #expect(!inTownship.isEmpty && inTownship.allSatisfy { $0.townshipCode == township })
        let sharp = try await registry.points(PointQuery(county: "520602", network: "sharp-eyes", limit: 500)).points
        #expect(!sharp.isEmpty && sharp.allSatisfy { $0.network == .sharpEyes })
        let one = try #require(seen.first)
        #expect(try await registry.points(PointQuery(q: one.id)).points.map(\.id) == [one.id])
        #expect(try await registry.points(PointQuery(q: "%' OR 1=1 --")).points.isEmpty)
        await expectRegistryError(.invalid, field: "network") { _ = try await registry.points(PointQuery(network: "x")) }
        await expectRegistryError(.invalid, field: "cursor") { _ = try await registry.points(PointQuery(cursor: "bogus")) }
        await expectRegistryError(.invalid, field: "township") { _ = try await registry.points(PointQuery(township: "52060200")) }
    }

    @Test("near: within the radius, nearest first, distances by haversine; the bounding box misses nothing")
    func near() async throws {
        let registry = try Registry.openInMemory()
        try await registry.seedDemo()
        try await registry.seedDemoPoints(count: 5_000)
        let all = try await registry.points(PointQuery(limit: 500))
        let centre = try #require(all.points.first)
        for radius in [0.5, 3.0, 12.0] {
            let found = try await registry.points(near: PointNearQuery(latitude: centre.latitude, longitude: centre.longitude, radiusKm: radius, limit: 200))
            #expect(found.first?.point.id == centre.id || (found.first?.distanceKm ?? 1) == 0)
            #expect(found.allSatisfy { $0.distanceKm <= radius })
            #expect(found.map(\.distanceKm) == found.map(\.distanceKm).sorted())
            // Brute force over every point: the same set (when under the limit).
            var everything: [Point] = []
            var cursor: String?
            repeat {
                let page = try await registry.points(PointQuery(limit: 500, cursor: cursor))
                everything += page.points
                cursor = page.nextCursor
            } while cursor != nil
            let expected = everything.filter {
                GeoDistance.kilometres(latitude: centre.latitude, longitude: centre.longitude, latitude: $0.latitude, longitude: $0.longitude) <= radius
            }
            if expected.count <= 200 { #expect(Set(found.map(\.point.id)) == Set(expected.map(\.id)), "radius \(radius)") }
        }
        // About 111.2 km per degree of latitude.
        #expect(abs(GeoDistance.kilometres(latitude: 27, longitude: 109, latitude: 28, longitude: 109) - 111.195) < 0.01)
        let wrap = GeoDistance.boundingBox(latitude: 10, longitude: 179.9, radiusKm: 50)
        #expect(wrap.longitude.count == 2)
        await expectRegistryError(.invalid, field: "radiusKm") {
            _ = try await registry.points(near: PointNearQuery(latitude: 27.7, longitude: 109.2, radiusKm: 101))
        }
        await expectRegistryError(.invalid, field: "limit") {
            _ = try await registry.points(near: PointNearQuery(latitude: 27.7, longitude: 109.2, limit: 201))
        }
        await expectRegistryError(.invalid, field: "near") {
            _ = try await registry.points(near: PointNearQuery(latitude: 95, longitude: 109.2))
        }
    }

    @Test("credentials: write-only, sealed at rest (the password's bytes are in no database file), kept by an omitting patch, cleared by an empty username")
    func credentialsAtRest() async throws {
        let dir = try TempDirectory("points-secret")
        defer { dir.remove() }
        let registry = try await Self.small(dir)
        let keyFile = dir.url.appendingPathComponent(PointCredentialKey.fileName)
        #expect(!FileManager.default.fileExists(atPath: keyFile.path), "no key until a credential is stored")
        let point = try await registry.createPoint(Self.draft(credentials: PointCredentials(username: "viewer", password: Self.password)))
        #expect(point.source.hasCredentials)
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try Data(contentsOf: keyFile).count == 32)

        let source = try await registry.pointSource(id: point.id)
        #expect(source.username == "viewer" && source.password == Self.password)
        #expect(!"\(source)".contains(Self.password) && !String(reflecting: source).contains(Self.password))
        #expect(!"\(PointCredentials(username: "u", password: Self.password))".contains(Self.password))
        var dumped = ""
        dump(source, to: &dumped)
        #expect(!dumped.contains(Self.password))

        // A patch that leaves credentials out keeps them; a password alone keeps the username.
        _ = try await registry.updatePoint(id: point.id, PointPatch(name: "renamed"))
        #expect(try await registry.pointSource(id: point.id).password == Self.password)
        _ = try await registry.updatePoint(id: point.id, PointPatch(credentials: .password("n3w-PASS")))
        let changed = try await registry.pointSource(id: point.id)
        #expect(changed.username == "viewer" && changed.password == "n3w-PASS")
        _ = try await registry.updatePoint(id: point.id, PointPatch(credentials: .set(PointCredentials(username: "viewer", password: Self.password))))

        try registry.close()
        for (name, bytes) in try Self.dataFiles(dir) {
            #expect(bytes.range(of: Data(Self.password.utf8)) == nil, "\(name) holds the password in the clear")
            #expect(bytes.range(of: Data("viewer".utf8)) == nil, "\(name) holds the username in the clear")
        }

        // A copied database with the row moved to another id does not open (bound to the id).
        let reopened = try Registry.open(directory: dir.url)
        #expect(try await reopened.pointSource(id: point.id).password == Self.password)
        let cleared = try await reopened.updatePoint(id: point.id, try PointPatch(credentials: PointPatch.credentialsChange(username: "", password: nil)))
        #expect(!cleared.source.hasCredentials)
        #expect(try await reopened.pointSource(id: point.id).credentials == nil)
        try reopened.close()
    }

    @Test("the key is never silently replaced: missing or wrong, the registry refuses to open and says why")
    func missingOrWrongKey() async throws {
        let dir = try TempDirectory("points-key")
        defer { dir.remove() }
        let registry = try await Self.small(dir)
        _ = try await registry.createPoint(Self.draft(credentials: PointCredentials(username: "viewer", password: Self.password)))
        try registry.close()
        let keyFile = dir.url.appendingPathComponent(PointCredentialKey.fileName)
        let original = try Data(contentsOf: keyFile)

        try FileManager.default.removeItem(at: keyFile)
        let missing = await expectRegistryError(.storage) { _ = try Registry.open(directory: dir.url) }
        #expect(missing?.message.contains("points.key is missing") == true, "\(missing?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: keyFile.path), "no new key was made over stored credentials")

        try Data(repeating: 7, count: 32).write(to: keyFile)
        let wrong = await expectRegistryError(.storage) { _ = try Registry.open(directory: dir.url) }
        #expect(wrong?.message.contains("not the key") == true, "\(wrong?.message ?? "")")

        try Data(repeating: 7, count: 5).write(to: keyFile)
        await expectRegistryError(.storage) { _ = try Registry.open(directory: dir.url) }

        try original.write(to: keyFile)
        let restored = try Registry.open(directory: dir.url)
        #expect(try await restored.pointSource(id: "52060200001320000001").password == Self.password)
        try restored.close()
    }

    @Test("CSV: export leaves credentials out, round trips byte for byte, import names line and field and writes nothing on error")
    func csv() async throws {
        let registry = try Registry.openInMemory()
        try await registry.seedDemo()
        try await registry.seedDemoPoints(count: 400)
        _ = try await registry.updatePoint(id: try await registry.points().points[0].id,
                                           PointPatch(credentials: .set(PointCredentials(username: "viewer", password: Self.password))))
        let exported = try await registry.exportPointsCSV()
        #expect(exported.hasPrefix(PointCSV.exportColumns.joined(separator: ",") + "\r\n"))
        #expect(!exported.contains(Self.password) && !exported.contains("viewer"))

        let copy = try Registry.openInMemory()
        try await copy.seedDemo()
        let summary = try await copy.importPointsCSV(exported)
        #expect(summary.pointsAdded == 400 && summary.credentialsStored == 0)
        #expect(try await copy.exportPointsCSV() == exported)
        let again = try await copy.importPointsCSV(exported)
        #expect(again.pointsUnchanged == 400 && again.pointsAdded == 0)
        #expect(copy.admission.pointCount == 400)

        // With credentials columns: stored encrypted, never exported.
        let withSecrets = """
            id,name,network,area_code,latitude,longitude,url,username,password\r
            cam-import-0001,导入点位,sharp-eyes,520602001,27.7,109.2,rtsp://10.1.1.1/live,viewer,\(Self.password)\r

            """
        let imported = try await copy.importPointsCSV(withSecrets)
        #expect(imported.pointsAdded == 1 && imported.credentialsStored == 1)
        #expect(try await copy.pointSource(id: "cam-import-0001").password == Self.password)
        #expect(try await copy.point(id: "cam-import-0001").source.hasCredentials)
        #expect(!(try await copy.exportPointsCSV()).contains(Self.password))

        // Errors name line and column; nothing from the file is kept.
        let before = try await copy.counts().points
        for (text, line, field) in [
            ("id,name,network,area_code,latitude,longitude,url\r\nok-point-01,a,skynet,520602001,27.7,109.2,rtsp://h/a\r\nbad-point-2,b,skynet,520602001,27.7,109.2,ftp://h/b\r\n", 3, "url"),
            ("id,name,network,area_code,latitude,longitude,url\r\nok-point-01,a,skynet,520602999,27.7,109.2,rtsp://h/a\r\n", 2, "area_code"),
            ("id,name,network,area_code,latitude,longitude,url\r\nok-point-01,a,skynet,520602001,nan,109.2,rtsp://h/a\r\n", 2, "latitude"),
            ("id,name,network,area_code,latitude,longitude,url\r\nok-point-01,a,cctv,520602001,27.7,109.2,rtsp://h/a\r\n", 2, "network"),
            ("id,name,network,area_code,latitude,longitude,url\r\nok-point-01,a,skynet,520602001,27.7,109.2,rtsp://h/a\r\nok-point-01,a,skynet,520602001,27.7,109.2,rtsp://h/a\r\n", 3, "id"),
            ("id,name,network,area_code,latitude,longitude,url,password\r\nok-point-01,a,skynet,520602001,27.7,109.2,rtsp://h/a,\(Self.password)\r\n", 2, "username"),
            ("id,name,network,area_code,latitude,longitude\r\n", 1, "url"),
        ] {
            let error = await expectRegistryError(text.contains("ok-point-01,a,skynet,520602001,27.7,109.2,rtsp://h/a\r\nok-point-01") ? .duplicate : .invalid,
                                                  line: line, field: field) { _ = try await copy.importPointsCSV(text) }
            #expect(error?.description.contains(Self.password) == false)
        }
        #expect(try await copy.counts().points == before)
    }

    @Test("demo points: deterministic, inside Tongren, over demo villages, townships and counties, mixed networks, distinct URLs")
    func demoPoints() throws {
        let points = DemoPoints.generate(count: 2_000)
        #expect(points.map(\.id) == DemoPoints.generate(count: 2_000).map(\.id))
        #expect(Set(points.map(\.id)).count == 2_000 && Set(points.map(\.url)).count == 2_000)
        #expect(points.allSatisfy { DemoRegistry.latitudeRange.contains($0.latitude) && DemoRegistry.longitudeRange.contains($0.longitude) })
        #expect(points.allSatisfy { $0.url.hasPrefix("rtsp://127.0.0.1:") && $0.credentials == nil && $0.synthetic })
        #expect(points.allSatisfy { (try? PointDraft(id: $0.id, name: $0.name, network: $0.network.rawValue, areaCode: $0.areaCode,
                                                      latitude: $0.latitude, longitude: $0.longitude, url: $0.url).validated()) != nil })
        #expect(Set(points.map(\.areaCode.utf8.count)) == [6, 9, 12])
        #expect(Set(points.map(\.network)) == Set(PointNetwork.allCases))
    }
}
