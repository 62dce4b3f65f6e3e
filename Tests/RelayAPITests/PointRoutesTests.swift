import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import RoomRegistry
import StreamHub
import Synchronization
import Testing
@testable import RelayAPI

/// The surveillance points' REST routes (issue 15, part 1) as the admin, over a real registry
/// seeded with the demo and 2,000 demo points; scoping by organisation is in the end-to-end
/// `PointScopeTests`. Every test that writes uses ids of its own.
@Suite("Point REST routes: create, read, patch, delete, list, near; credentials write-only")
struct PointRoutesTests {
    static let password = "s3cr3t-PASS-123"
    static let auth = RegistryRoutesTests.auth

    static let fixture = Task<Registry, any Error> {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("point-routes-\(UUID().uuidString)")
        let registry = try Registry.open(directory: directory)
        try await registry.seedDemo()
        try await registry.seedDemoPoints(count: 2_000)
        return registry
    }

    /// Every log line the router writes, at trace level.
    final class LogLines: Sendable {
        let lines = Mutex<[String]>([])
        var all: String { lines.withLock { $0.joined(separator: "\n") } }
    }

    struct Capture: LogHandler {
        let sink: LogLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            sink.lines.withLock { $0.append("\(event.level) \(event.message) \(merged) \(event.error.map { "\($0)" } ?? "")") }
        }
    }

    static func app(_ registry: Registry, logs: LogLines? = nil) async throws -> some ApplicationProtocol {
        let paths = PathManager(configuration: .init(), logger: Logger(label: "test")) { _ in [] }
        var logger = Logger(label: "test")
        if let logs { logger = Logger(label: "fieldrelay.test") { _ in Capture(sink: logs) } }
        return Application(router: RelayRouter.build(paths: paths, packagers: RelayRouterTests.packagers, registry: registry,
                                                     reporting: try await TestReporting.context(adminToken: RegistryRoutesTests.token),
                                                     configuration: .init()) { [] },
                           logger: logger)
    }

    static func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: [String: Any]? = nil,
                     bodies: LogLines? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
        var headers = auth
        var buffer: ByteBuffer?
        if let body {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))
        }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: buffer)
        let text = String(buffer: response.body)
        bodies?.lines.withLock { $0.append(text) }
        guard !text.isEmpty else { return (response.status, [:]) }
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return (response.status, object ?? [:])
    }

    static func newPoint(_ id: String, username: String? = "viewer", extra: [String: Any] = [:]) -> [String: Any] {
        var source: [String: Any] = ["kind": "rtsp", "url": "rtsp://10.20.30.40:554/Streaming/Channels/101", "transport": "tcp"]
        if let username { source["username"] = username; source["password"] = password }
        return ["id": id, "name": "桥头天网01", "network": "skynet", "areaCode": "520602001201",
                "latitude": 27.7215, "longitude": 109.1903, "source": source].merging(extra) { $1 }
    }

    static func uniqueID() -> String { "t-" + UUID().uuidString.prefix(18).lowercased().replacingOccurrences(of: "-", with: "") }

    @Test("create 201 with the documented shape; get; patch keeps credentials, a password alone keeps the username, an empty username clears; delete 204 then 404; no password in any answer or log line")
    func lifecycle() async throws {
        let registry = try await Self.fixture.value
        let logs = LogLines(), bodies = LogLines()
        let id = Self.uniqueID()
        try await (try await Self.app(registry, logs: logs)).test(.router) { client in
            let (created, point) = try await Self.send(client, .post, "/api/v1/points", Self.newPoint(id), bodies: bodies)
            #expect(created == .created, "\(point)")
            #expect(point["id"] as? String == id && point["areaCode"] as? String == "520602001201")
            #expect(point["countyCode"] as? String == "520602" && point["townshipCode"] as? String == "520602001")
            #expect(point["coordinateSystem"] as? String == "WGS-84" && point["state"] as? String == "idle" && point["enabled"] as? Bool == true)
            let source = try #require(point["source"] as? [String: Any])
            #expect(Set(source.keys) == ["kind", "url", "transport", "hasCredentials"])
            #expect(source["hasCredentials"] as? Bool == true)

            let (status, again) = try await Self.send(client, .get, "/api/v1/points/\(id)", bodies: bodies)
            #expect(status == .ok && again["name"] as? String == "桥头天网01")
            #expect(try await Self.send(client, .post, "/api/v1/points", Self.newPoint(id), bodies: bodies).0 == .conflict)

            let (patched, renamed) = try await Self.send(client, .patch, "/api/v1/points/\(id)",
                                                         ["name": "renamed", "source": ["url": "rtsps://cam.example:322/live"]], bodies: bodies)
            #expect(patched == .ok && renamed["name"] as? String == "renamed")
            #expect((renamed["source"] as? [String: Any])?["hasCredentials"] as? Bool == true, "omitted credentials are kept")
            #expect(try await registry.pointSource(id: id).password == Self.password)
            _ = try await Self.send(client, .patch, "/api/v1/points/\(id)", ["source": ["password": "other-PASS"]], bodies: bodies)
            let changed = try await registry.pointSource(id: id)
            #expect(changed.username == "viewer" && changed.password == "other-PASS")
            #expect(try await Self.send(client, .patch, "/api/v1/points/\(id)", ["source": ["username": "viewer"]], bodies: bodies).0 == .unprocessableContent,
                    "a new username needs its password")
            let (_, cleared) = try await Self.send(client, .patch, "/api/v1/points/\(id)", ["source": ["username": ""]], bodies: bodies)
            #expect((cleared["source"] as? [String: Any])?["hasCredentials"] as? Bool == false)
            #expect(try await registry.pointSource(id: id).credentials == nil)
            let (disabled, off) = try await Self.send(client, .patch, "/api/v1/points/\(id)", ["enabled": false], bodies: bodies)
            #expect(disabled == .ok && off["enabled"] as? Bool == false)

            let deleted = try await client.execute(uri: "/api/v1/points/\(id)", method: .delete, headers: Self.auth)
            #expect(deleted.status == .noContent && deleted.body.readableBytes == 0)
            #expect(try await Self.send(client, .get, "/api/v1/points/\(id)", bodies: bodies).0 == .notFound)
            #expect(try await Self.send(client, .delete, "/api/v1/points/\(id)", bodies: bodies).0 == .notFound)
            #expect(try await Self.send(client, .patch, "/api/v1/points/\(id)", ["enabled": true], bodies: bodies).0 == .notFound)

            // A refused URL carrying the password is not repeated back.
            let (refused, reason) = try await Self.send(client, .post, "/api/v1/points",
                                                        Self.newPoint(Self.uniqueID(), username: nil, extra: [
                                                            "source": ["url": "rtsp://admin:\(Self.password)@10.0.0.1/live"]]), bodies: bodies)
            #expect(refused == .unprocessableContent && (reason["message"] as? String)?.contains("source.url") == true)
        }
        #expect(!bodies.all.contains(Self.password), "an answer carried the password")
        #expect(!bodies.all.contains("other-PASS"))
        #expect(!logs.all.contains(Self.password), "a log line carried the password")
        #expect(!logs.all.contains("other-PASS"))
    }

    @Test("bad input is 422 naming the field, and nothing is written", arguments: [
        ("id", ["id": "abc"]),
        ("network", ["network": "tianwang"]),
        ("areaCode", ["areaCode": "520699999999"]),
        ("areaCode", ["areaCode": "520600"]),
        ("latitude", ["latitude": 123.0]),
        ("longitude", ["longitude": -200.0]),
        ("source.url", ["source": ["url": "http://10.0.0.1/live"]]),
        ("source.url", ["source": ["url": "rtsp:///nohost"]]),
        ("source.url", ["source": ["url": "rtsp://u:p@10.0.0.1/live"]]),
        ("source.transport", ["source": ["url": "rtsp://10.0.0.1/live", "transport": "quic"]]),
        ("source.kind", ["source": ["url": "rtsp://10.0.0.1/live", "kind": "gb28181"]]),
    ] as [(String, [String: any Sendable])])
    func refusals(field: String, change: [String: any Sendable]) async throws {
        let registry = try await Self.fixture.value
        let id = (change["id"] as? String) ?? Self.uniqueID()
        try await (try await Self.app(registry)).test(.router) { client in
            let body = Self.newPoint(id, username: nil).merging(change.mapValues { $0 as Any }) { $1 }
            let (status, error) = try await Self.send(client, .post, "/api/v1/points", body)
            #expect(status == .unprocessableContent, "\(error)")
            #expect(error["code"] as? String == "invalid_argument")
            #expect((error["message"] as? String)?.contains("field \(field):") == true, "\(error)")
            #expect(try await Self.send(client, .get, "/api/v1/points/\(id)").0 != .ok)
        }
        // Other tests write points in parallel: this one's id is what must be absent.
        #expect(registry.admission.areaCode(path: "point/\(id)") == nil)
        #expect(try await registry.points(PointQuery(q: id)).points.isEmpty)
    }

    @Test("list: filters, paging to the end, 400 for bad parameters; near: nearest first with distanceKm")
    func listAndNear() async throws {
        let registry = try await Self.fixture.value
        try await (try await Self.app(registry)).test(.router) { client in
            var ids: [String] = []
            var cursor: String?
            repeat {
                let (status, page) = try await Self.send(client, .get, "/api/v1/points?county=520602&limit=100" + (cursor.map { "&cursor=\($0)" } ?? ""))
                try #require(status == .ok, "\(page)")
                #expect(page.keys.contains("nextCursor"))
                let points = try #require(page["points"] as? [[String: Any]])
                #expect(points.allSatisfy { $0["countyCode"] as? String == "520602" })
                ids += points.compactMap { $0["id"] as? String }
                cursor = page["nextCursor"] as? String
            } while cursor != nil
            #expect(!ids.isEmpty && Set(ids).count == ids.count)
            // The same order as the registry's own list (demo points only: other tests add and
            // remove points of their own in parallel).
            let expected = try await registry.points(PointQuery(county: "520602", limit: 500)).points.map(\.id).filter { !$0.hasPrefix("t-") }
            #expect(Array(ids.filter { !$0.hasPrefix("t-") }.prefix(expected.count)) == expected)

            let (_, networkPage) = try await Self.send(client, .get, "/api/v1/points?network=smart-village&township=520602001&limit=500")
            #expect((networkPage["points"] as? [[String: Any]])?.allSatisfy {
                $0["network"] as? String == "smart-village" && $0["townshipCode"] as? String == "520602001"
            } == true)

            for bad in ["limit=0", "limit=501", "network=cctv", "county=52060", "cursor=zzz", "near=27.7", "near=27.7,abc",
                        "near=27.7,109.2&radiusKm=0", "near=27.7,109.2&radiusKm=101", "near=27.7,109.2&limit=201", "near=95,109.2",
                        "near=27.7,109.2&cursor=x"] {
                let (status, error) = try await Self.send(client, .get, "/api/v1/points?\(bad)")
                #expect(status == .badRequest, "\(bad): \(error)")
            }

            let (status, near) = try await Self.send(client, .get, "/api/v1/points?near=27.72,109.19&radiusKm=20&limit=30")
            #expect(status == .ok)
            let found = try #require(near["points"] as? [[String: Any]])
            #expect(!found.isEmpty && found.count <= 30)
            let distances = found.compactMap { $0["distanceKm"] as? Double }
            #expect(distances.count == found.count && distances == distances.sorted() && distances.allSatisfy { $0 <= 20 })
            #expect(near["nextCursor"] is NSNull)
        }
    }
}
