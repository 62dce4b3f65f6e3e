import Foundation
import HTTPTypes
import Hummingbird
import JointReporting
import NIOCore

/// The joint-reporting REST API under `/api/v1` (issue 4 §6): incidents, reports, sessions and
/// their commands, the record and its live stream, and organisation tokens.
///
/// Every route authenticates first (401/403), then hands the work to the `SessionCoordinator`,
/// whose refusals map to 403/404/409/422; malformed bodies (422) are recorded as refusals too.
/// Actions are taken by organisations; the admin token reads everything and issues tokens.
struct ReportingController: Sendable {
    typealias Context = RelayRequestContext
    /// Request bodies are small JSON documents; anything larger is refused unread.
    static var maximumBodyBytes: Int { 64 * 1024 }

    let context: ReportingContext
    var coordinator: SessionCoordinator { context.coordinator }

    func addRoutes(to router: Router<Context>) {
        let api = router.group("/api/v1")
        addTokenRoutes(to: api)
        addIncidentRoutes(to: api)
        addSessionRoutes(to: api)
        addEventRoutes(to: api)
    }

    // MARK: - Helpers shared by the route groups

    /// The acting organisation: a caller with an organisation token. The admin reads but does not
    /// act (every action on the record belongs to an organisation); viewer tokens never act.
    func actor(_ request: Request, _ requestContext: Context, command: String) async throws -> String {
        switch try await context.caller(request, requestContext, readOnly: false) {
        case .organisation(let id):
            return id
        case .admin:
            let error = ReportingError(.forbidden, "the admin token reads everything but acts for no organisation; act with an organisation's token")
            await coordinator.recordRefusal(error, command: command, actor: "admin")
            throw error.apiError
        }
    }

    /// The organisation a request may act for: one holding an organisation token (not the admin,
    /// not a viewer token). Whose actions a session view lists.
    func actingOrganisation(_ requestContext: Context) -> String? {
        if case .caller(.organisation(let id), viewerToken: false)? = requestContext.authentication { return id }
        return nil
    }

    /// The `Idempotency-Key` request header (draft-ietf-httpapi-idempotency-key-header): at most
    /// 200 visible ASCII characters; a malformed key is refused (422) rather than ignored, since
    /// ignoring it would silently drop the protection the client asked for.
    func idempotencyKey(_ request: Request, command: String, actor: String, incidentId: String? = nil) async throws -> String? {
        guard let name = HTTPField.Name("Idempotency-Key"), let key = request.headers[name] else { return nil }
        guard !key.isEmpty, key.count <= 200, key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw await refuse(.invalid, "the Idempotency-Key header is 1-200 visible ASCII characters",
                               command: command, actor: actor, incidentId: incidentId)
        }
        return key
    }

    /// The reading caller (admin, organisation, or a viewer token of either).
    func reader(_ request: Request, _ requestContext: Context) async throws -> Caller {
        try await context.caller(request, requestContext, readOnly: true)
    }

    /// Reads and decodes a JSON body of at most 64 KiB; a body too large or malformed is refused
    /// (422) and the refusal recorded under `command`.
    func body<Body: Decodable>(
        _ type: Body.Type, _ request: Request, command: String, actor: String,
        sessionId: String? = nil, incidentId: String? = nil
    ) async throws -> Body {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maximumBodyBytes)
        } catch {
            throw await refuse(.invalid, "the request body is larger than \(Self.maximumBodyBytes / 1024) KiB or could not be read",
                               command: command, actor: actor, sessionId: sessionId, incidentId: incidentId)
        }
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch {
            throw await refuse(.invalid, "malformed JSON body: \(Self.describe(error))",
                               command: command, actor: actor, sessionId: sessionId, incidentId: incidentId)
        }
    }

    /// Records a refusal decided here (not by the coordinator) and returns it as an HTTP error.
    func refuse(
        _ code: ReportingError.Code, _ message: String, command: String, actor: String,
        sessionId: String? = nil, incidentId: String? = nil, arguments: [String: AuditValue] = [:]
    ) async -> APIError {
        let error = ReportingError(code, message)
        await coordinator.recordRefusal(error, command: command, actor: actor, sessionId: sessionId,
                                        incidentId: incidentId, arguments: arguments)
        return error.apiError
    }

    /// Runs a domain call, mapping its refusal to HTTP.
    func domain<Value>(_ body: () async throws(ReportingError) -> Value) async throws -> Value {
        do {
            return try await body()
        } catch {
            throw error.apiError
        }
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not valid JSON" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).joined(separator: ".")
            return keys.isEmpty ? "" : " at '\(keys)'"
        }
        switch error {
        case .keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
        case .typeMismatch(let type, let context): return "expected \(type)\(path(context))"
        case .valueNotFound(let type, let context): return "expected \(type)\(path(context)), got null"
        case .dataCorrupted(let context): return "not valid JSON\(path(context))"
        @unknown default: return "not valid JSON"
        }
    }

    static func json<Value: Encodable>(_ value: Value, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
