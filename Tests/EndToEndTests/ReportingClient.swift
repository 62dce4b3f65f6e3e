import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport

/// A hall's client of the joint-reporting API: real HTTP with its bearer token.
struct ReportingClient: Sendable {
    let baseURL: String
    let token: String?

    struct Reply: Sendable {
        var status: Int
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }

        /// The body as a JSON object (empty when it is not one).
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        }
    }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        configuration.urlCache = nil
        return URLSession(configuration: configuration)
    }()

    func request(_ method: String, _ path: String, json: Any? = nil, raw: Data? = nil, token override: String? = nil,
                 headers: [String: String] = [:]) async throws -> Reply {
        guard let url = URL(string: baseURL + path) else { throw TestFailure("bad URL \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let bearer = override ?? token { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let raw {
            request.httpBody = raw
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await Self.session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw TestFailure("not an HTTP response") }
        return Reply(status: http.statusCode, body: data)
    }

    func get(_ path: String) async throws -> Reply { try await request("GET", path) }
    func post(_ path: String, _ json: Any? = nil) async throws -> Reply { try await request("POST", path, json: json) }
    func delete(_ path: String) async throws -> Reply { try await request("DELETE", path) }

    /// POST that must succeed (2xx); returns the JSON object.
    @discardableResult
    func must(_ method: String = "POST", _ path: String, _ json: Any? = nil) async throws -> [String: Any] {
        let reply = try await request(method, path, json: json)
        guard (200..<300).contains(reply.status) else {
            throw TestFailure("\(method) \(path) as \(token?.prefix(12) ?? "nobody"): \(reply.status) \(reply.text)")
        }
        return reply.json
    }
}

extension RunningGateway {
    /// A new organisation token from the admin API.
    func organisationToken(_ org: String) async throws -> String {
        let admin = ReportingClient(baseURL: baseURL, token: adminToken)
        let reply = try await admin.must("POST", "/api/v1/orgs/\(org)/tokens")
        guard let token = reply["token"] as? String else { throw TestFailure("no token for \(org)") }
        return token
    }

    func client(_ token: String?) -> ReportingClient {
        ReportingClient(baseURL: baseURL, token: token)
    }

    /// The fieldrelay executable built beside the tests.
    static var executable: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/fieldrelay").path
    }
}

/// Field helpers for the loosely typed JSON replies.
extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) -> String? { self[key] as? String }
    func objects(_ key: String) -> [[String: Any]] { self[key] as? [[String: Any]] ?? [] }
}
