import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import RoomRegistry
import StreamHub
import Testing
import Yams
@testable import RelayAPI

/// `docs/openapi.yaml` is written by hand and kept true here (docs/architecture.md, "The API's
/// description"): the router's routes and the description's operations must be the same set, in
/// both directions, for `/api/v1/...`, `/playback/...`, `/healthz` and `/metrics`. Live media
/// (`/hls/**`) and the console's files (`/`, `/console/{file}`) are outside the description, as its
/// `info.description` says.
///
/// Mapping from Hummingbird's route syntax to OpenAPI paths (`openAPIPath(_:)`):
/// - a literal component stays as it is;
/// - a capture `{name}` stays `{name}` (the same parameter name in both);
/// - the recursive wildcard `**` (the rest of the URL, e.g. `sessions/{id}/feeds/**`, where a
///   feed's path `room/520602001201` has a `/` of its own) becomes one parameter `{path}`; it must
///   be the last component, and the description says the `/` may be sent raw or as `%2F`;
/// - any other form (`*`, `{name}.ext`, ...) is not mapped: it stays as Hummingbird prints it, so
///   it can never match a described path and the test fails until the mapping is taught it.
/// HEAD is generated for every GET (`.autoGenerateHeadEndpoints`) and is not listed in the
/// description; nor is OPTIONS (the CORS middleware answers preflights).
@Suite("OpenAPI description: every route described, every description served")
struct OpenAPIRoutesTests {
    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// `docs/openapi.yaml`, read through the link the repository keeps (this file's directory is
    /// `Tests/RelayAPITests`).
    static var docsFile: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/openapi.yaml")
    }

    /// The description as the server serves it (the module's resource).
    static func document() throws -> [String: Any] {
        let bytes = try #require(OpenAPIDocument.bytes, "openapi.yaml is not in RelayAPI's bundle")
        let loaded = try Yams.load(yaml: String(decoding: bytes, as: UTF8.self))
        return try #require(loaded as? [String: Any], "openapi.yaml is not a mapping")
    }

    /// Whether a route or described path is one the description must cover.
    static func inScope(_ path: String) -> Bool {
        path.hasPrefix("/api/v1/") || path.hasPrefix("/playback/") || path == "/healthz" || path == "/metrics"
    }

    /// Hummingbird's route path (`RouterPath.description`) as an OpenAPI path; see the type's comment.
    static func openAPIPath(_ routerPath: String) -> String {
        let components = routerPath.split(separator: "/", omittingEmptySubsequences: false)
        return components.enumerated().map { index, component in
            component == "**" && index == components.count - 1 ? "{path}" : String(component)
        }.joined(separator: "/")
    }

    /// `METHOD /path` for every route the router serves, in scope, HEAD left out.
    static func servedOperations() async throws -> Set<String> {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-routes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        // With a registry: its routes are added only when there is one, and the gateway always has one.
        let registry = try Registry.open(directory: directory)
        let paths = PathManager(configuration: .init(), logger: Logger(label: "test")) { _ in [] }
        let router = RelayRouter.build(paths: paths, packagers: RelayRouterTests.packagers, registry: registry,
                                       reporting: try await TestReporting.context(adminToken: "t"),
                                       configuration: .init()) { [] }
        var operations: Set<String> = []
        for route in router.routes where route.method != .head {
            let path = openAPIPath(route.path.description)
            if inScope(path) { operations.insert("\(route.method.rawValue) \(path)") }
        }
        return operations
    }

    /// `METHOD /path` for every operation the description has.
    static func describedOperations(_ document: [String: Any]) throws -> Set<String> {
        let paths = try #require(document["paths"] as? [String: Any], "no paths")
        var operations: Set<String> = []
        for (path, item) in paths {
            let item = try #require(item as? [String: Any], "\(path) is not a mapping")
            for key in item.keys where methods.contains(key) {
                operations.insert("\(key.uppercased()) \(path)")
            }
        }
        return operations
    }

    @Test("the mapping from Hummingbird's route syntax")
    func mapping() {
        #expect(Self.openAPIPath("/api/v1/sessions/{id}/feeds/**") == "/api/v1/sessions/{id}/feeds/{path}")
        #expect(Self.openAPIPath("/api/v1/orgs/{id}/tokens/{token}") == "/api/v1/orgs/{id}/tokens/{token}")
        #expect(Self.openAPIPath("/playback/{kind}/{id}/index.m3u8") == "/playback/{kind}/{id}/index.m3u8")
        // Not mapped, so never equal to a described path.
        #expect(Self.openAPIPath("/api/v1/x/*/y") == "/api/v1/x/*/y")
        #expect(Self.openAPIPath("/api/v1/**/y") == "/api/v1/**/y")
    }

    @Test("every route is described and every described operation is served")
    func routesAndDescriptionAgree() async throws {
        let served = try await Self.servedOperations()
        let described = try Self.describedOperations(try Self.document())
        // Sanity: the enumeration found the routers' routes at all (the registry's, joint
        // reporting's, recording's and playback's).
        #expect(served.contains("GET /api/v1/rooms/{code}"))
        #expect(served.contains("DELETE /api/v1/sessions/{id}/feeds/{path}"))
        #expect(served.contains("POST /api/v1/recordings/evidence"))
        #expect(served.contains("GET /playback/file/{file}"))
        #expect(served.count >= 50, "only \(served.count) routes found: \(served.sorted())")
        let undescribed = served.subtracting(described).sorted()
        let unserved = described.subtracting(served).sorted()
        #expect(undescribed.isEmpty, "served but not in docs/openapi.yaml: \(undescribed)")
        #expect(unserved.isEmpty, "in docs/openapi.yaml but not served: \(unserved)")
        // Nothing outside the scope is described (live media stays out, as the document says).
        #expect(described.filter { !Self.inScope(String($0.split(separator: " ")[1])) }.isEmpty)
    }

    @Test("no token on /healthz, /metrics, the description itself and the evidence public key; every other operation needs one or says it is optional")
    func security() throws {
        let document = try Self.document()
        #expect((document["openapi"] as? String)?.hasPrefix("3.1") == true)
        let paths = try #require(document["paths"] as? [String: Any])
        let open: Set<String> = ["/healthz", "/metrics", "/api/v1/openapi.yaml", "/api/v1/evidence/public-key"]
        for (path, item) in paths {
            for (method, operation) in try #require(item as? [String: Any]) where Self.methods.contains(method) {
                let operation = try #require(operation as? [String: Any])
                if open.contains(path) {
                    let security = try #require(operation["security"] as? [Any], "\(method) \(path) has no security: []")
                    #expect(security.isEmpty, "\(method) \(path) should need no token")
                } else if let security = operation["security"] as? [Any] {
                    #expect(!security.isEmpty, "\(method) \(path) has security: [] but needs a token")
                }
            }
        }
    }

    @Test("every error response is the shared error body, and every request body has an example")
    func errorsAndExamples() throws {
        let document = try Self.document()
        let components = try #require(document["components"] as? [String: Any])
        let responses = try #require(components["responses"] as? [String: Any])
        /// The schema `$ref` of a response (inline or a `#/components/responses/...` reference).
        func schemaRef(_ response: Any) -> String? {
            var response = response as? [String: Any]
            if let ref = response?["$ref"] as? String {
                response = responses[String(ref.split(separator: "/").last ?? "")] as? [String: Any]
            }
            let json = (response?["content"] as? [String: Any])?["application/json"] as? [String: Any]
            return (json?["schema"] as? [String: Any])?["$ref"] as? String
        }
        let paths = try #require(document["paths"] as? [String: Any])
        var checked = 0
        for (path, item) in paths {
            for (method, operation) in try #require(item as? [String: Any]) where Self.methods.contains(method) {
                let operation = try #require(operation as? [String: Any])
                let answers = try #require(operation["responses"] as? [String: Any], "\(method) \(path) has no responses")
                for (status, response) in answers where (Int(status) ?? 0) >= 400 {
                    #expect(schemaRef(response) == "#/components/schemas/Error", "\(method) \(path) \(status) is not the error body")
                    checked += 1
                }
                if let body = operation["requestBody"] as? [String: Any] {
                    let json = (body["content"] as? [String: Any])?["application/json"] as? [String: Any]
                    #expect((json?["examples"] as? [String: Any])?.isEmpty == false, "\(method) \(path): no example body")
                }
            }
        }
        #expect(checked > 100)
        let error = try #require((components["schemas"] as? [String: Any])?["Error"] as? [String: Any])
        #expect(Set(error["required"] as? [String] ?? []) == ["error", "code", "message"])
    }

    @Test("GET /api/v1/openapi.yaml: no token, application/yaml, the bytes of docs/openapi.yaml")
    func served() async throws {
        let docs = try Data(contentsOf: Self.docsFile)
        let paths = PathManager(configuration: .init(), logger: Logger(label: "test")) { _ in [] }
        let router = RelayRouter.build(paths: paths, packagers: RelayRouterTests.packagers,
                                       reporting: try await TestReporting.context(adminToken: "t"), configuration: .init()) { [] }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/api/v1/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/yaml")
                // A Bool, not `==` on the bytes: a stale bundle would print every differing byte.
                let served = Data(buffer: response.body)
                let same = served == docs
                #expect(same, "served \(served.count) bytes, docs/openapi.yaml has \(docs.count): a stale build or a broken link")
            }
        }
    }
}
