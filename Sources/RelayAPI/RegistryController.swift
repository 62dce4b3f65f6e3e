import Foundation
import HTTPTypes
import Hummingbird
import RelayRequests
import RoomRegistry

/// The registry's REST routes under `/api/v1`: the area tree, rooms, devices, organisations,
/// provisioning and surveillance points (`RegistryController+Points`). Reads of areas, rooms and organisations are open to organisation tokens, scoped
/// to the caller's jurisdiction (`RegistryScope`); devices, key material and writes need the admin
/// token.
///
/// Registry errors become HTTP statuses here and nowhere else (see `RegistryError.apiError`).
struct RegistryController: Sendable {
    typealias Context = RelayRequestContext
    /// Request bodies are a few short fields; anything larger is refused before it is decoded.
    static var maximumBodySize: Int { 64 * 1024 }

    let registry: Registry
    let reporting: ReportingContext
    let configuration: RelayRouter.Configuration

    func addRoutes(to router: Router<Context>) {
        let api = router.group("/api/v1")
        api.get("areas") { request, context in
            try await read(request, context, invalidInput: .query) { scope in
                let depth = try Self.areaDepth(request)
                return AreasResponse(areas: scope.trim(registry.areaTree(depth: depth)))
            }
        }
        api.get("rooms") { request, context in
            try await read(request, context, invalidInput: .query) { scope in
                guard let query = scope.narrow(try Self.roomQuery(request)) else {
                    return RoomsResponse(RoomPage(rooms: [], nextCursor: nil))
                }
                return RoomsResponse(try await registry.rooms(query))
            }
        }
        api.get("rooms/{code}") { request, context in
            try await read(request, context, invalidInput: .content) { scope in
                let code = try context.parameters.require("code")
                // Outside the caller's jurisdiction a room is not known to it.
                guard scope.contains(roomCode: code) else { throw APIError(.notFound, "no room \(code)") }
                return RoomDetailResponse(try await registry.room(code: code))
            }
        }
        api.get("rooms/{code}/provisioning") { request, context in
            try await provisioning(request, context) {
                try await registry.provisioning(path: "room/\(try context.parameters.require("code"))")
            }
        }
        api.get("devices") { request, context in
            try await respond(request, context, invalidInput: .query) {
                DevicesResponse(devices: try await registry.devices(org: Self.query(request, "org")))
            }
        }
        api.post("devices") { request, context in
            try await respond(request, context, invalidInput: .content, status: .created) {
                let body = try await Self.decode(DeviceBody.self, from: request)
                return try await registry.addDevice(id: body.id, name: body.name, org: body.org)
            }
        }
        api.get("devices/{id}") { request, context in
            try await respond(request, context, invalidInput: .content) {
                try await registry.device(id: try context.parameters.require("id"))
            }
        }
        api.post("devices/{id}/revoke") { request, context in
            try await respond(request, context, invalidInput: .content) {
                try await registry.revokeDevice(id: try context.parameters.require("id"))
            }
        }
        api.post("devices/{id}/rotate-key") { request, context in
            try await provisioning(request, context) {
                try await registry.rotateDeviceKey(id: try context.parameters.require("id"))
            }
        }
        api.get("devices/{id}/provisioning") { request, context in
            try await provisioning(request, context) {
                let id = try context.parameters.require("id")
                // Validate here: `cam/<id>` with a `/` in it would parse as some other path.
                _ = try await registry.device(id: id)
                return try await registry.provisioning(path: "cam/\(id)")
            }
        }
        api.get("orgs") { request, context in
            try await read(request, context, invalidInput: .query) { _ in
                OrganisationsResponse(organisations: try await registry.organisations(level: try Self.organisationLevel(request)))
            }
        }
        api.get("orgs/{id}/provisioning") { request, context in
            try await provisioning(request, context) {
                let id = try context.parameters.require("id")
                _ = try await registry.organisation(id: id)
                return try await registry.provisioning(path: "hall/\(id)")
            }
        }
        addPointRoutes(to: api)
    }

    // MARK: - Responding

    /// A read any authenticated caller may make, scoped to what it may see.
    func read<Value: Encodable>(
        _ request: Request, _ context: Context, invalidInput: RegistryError.InputOrigin,
        _ body: (RegistryScope) async throws -> Value
    ) async throws -> Response {
        var scope = RegistryScope.all
        if case .organisation(let id) = try await reporting.caller(request, context, readOnly: true) {
            do {
                scope = RegistryScope(try await registry.organisation(id: id))
            } catch {
                scope = .nothing
            }
        }
        let value: Value
        do {
            value = try await body(scope)
        } catch let error as RegistryError {
            throw error.apiError(invalidInput: invalidInput, logger: context.logger)
        }
        return try RelayRouter.jsonResponse(value)
    }

    /// Checks the admin token, runs `body`, maps registry errors and encodes the result.
    /// `invalidInput` says whether a `.invalid` from the registry is about the query string (400)
    /// or about the body or a path identifier (422).
    func respond<Value: Encodable>(
        _ request: Request, _ context: Context, invalidInput: RegistryError.InputOrigin, status: HTTPResponse.Status = .ok,
        _ body: () async throws -> Value
    ) async throws -> Response {
        try reporting.requireAdmin(request, context)
        let value: Value
        do {
            value = try await body()
        } catch let error as RegistryError {
            throw error.apiError(invalidInput: invalidInput, logger: context.logger)
        }
        var response = try RelayRouter.jsonResponse(value)
        response.status = status
        return response
    }

    /// A provisioning answer: the registry's key material plus the SRT URL for this server.
    private func provisioning(_ request: Request, _ context: Context, _ body: () async throws -> Provisioning) async throws -> Response {
        try await respond(request, context, invalidInput: .content) {
            // Work out the host first: without one there is no URL to hand out, and no reason to
            // read key material.
            guard let host = ProvisioningResponse.srtHost(publicHost: configuration.publicHost, authority: request.head.authority) else {
                throw APIError(.badRequest, "cannot tell which host devices should dial: the request has no usable Host header "
                               + "and no public host is configured")
            }
            return ProvisioningResponse(try await body(), host: host, srtPort: configuration.srtPort)
        }
    }

    // MARK: - Input

    /// A query parameter; empty counts as absent (`?county=` from a form with nothing chosen).
    static func query(_ request: Request, _ name: String) -> String? {
        guard let value = request.uri.queryParameters.get(name), !value.isEmpty else { return nil }
        return value
    }

    static func areaDepth(_ request: Request) throws -> AreaLevel {
        guard let text = query(request, "depth") else { return .village }
        guard let level = AreaLevel(rawValue: text) else {
            throw APIError(.badRequest, "depth must be one of \(AreaLevel.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text.prefix(20))'")
        }
        return level
    }

    static func organisationLevel(_ request: Request) throws -> OrganisationLevel? {
        guard let text = query(request, "level") else { return nil }
        guard let level = OrganisationLevel(rawValue: text) else {
            throw APIError(.badRequest, "level must be one of \(OrganisationLevel.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text.prefix(20))'")
        }
        return level
    }

    /// `?county=&township=&status=&q=&limit=&cursor=`. Codes, `q` and the cursor are checked by
    /// the registry (its `.invalid` becomes 400); limit and status are parsed here.
    static func roomQuery(_ request: Request) throws -> RoomQuery {
        var roomQuery = RoomQuery(county: query(request, "county"), township: query(request, "township"),
                                  q: query(request, "q"), cursor: query(request, "cursor"))
        if let text = query(request, "limit") {
            // The registry would clamp a large limit; an API caller asking for more than a page
            // can hold is told so instead of silently getting fewer rows.
            guard let limit = Int(text), (1...RoomQuery.maximumLimit).contains(limit) else {
                throw APIError(.badRequest, "limit must be a whole number from 1 to \(RoomQuery.maximumLimit), not '\(text.prefix(20))'")
            }
            roomQuery.limit = limit
        }
        if let text = query(request, "status") {
            guard let status = SourceStatus(rawValue: text) else {
                throw APIError(.badRequest, "status must be one of \(SourceStatus.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text.prefix(20))'")
            }
            roomQuery.status = status
        }
        return roomQuery
    }

    /// Reads at most `maximumBodySize` bytes and decodes them as JSON: too large is 413,
    /// anything that is not the expected JSON object is 422 with what was wrong.
    static func decode<Body: Decodable>(_ type: Body.Type, from request: Request) async throws -> Body {
        let tooLarge = APIError(.contentTooLarge, "the request body is larger than \(maximumBodySize / 1024) KiB")
        // Refuse a declared oversized body before reading any of it.
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maximumBodySize {
            throw tooLarge
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBodySize)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw tooLarge
        }
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError(.unprocessableContent, describe(error))
        }
    }

    /// A short, client-facing account of a decoding failure (never Foundation's debug text).
    static func describe(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "the body" : "field '" + path.map(\.stringValue).joined(separator: ".") + "'"
        }
        switch error {
        case let .keyNotFound(key, context):
            return "the body needs a '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))' field"
        case let .valueNotFound(_, context):
            return "\(field(context.codingPath)) must not be null"
        case let .typeMismatch(type, context):
            let expected = type == String.self ? "a string" : context.codingPath.isEmpty ? "a JSON object" : "a \(type)"
            return "\(field(context.codingPath)) must be \(expected)"
        case .dataCorrupted:
            return "the body is not valid JSON"
        @unknown default:
            return "the body is not the expected JSON object"
        }
    }
}
