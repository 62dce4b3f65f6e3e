import Foundation
import HTTPTypes
import Hummingbird
import RelayRequests
import RoomRegistry
import StreamHub

/// Surveillance points (issue 15, part 1: the registry):
///
/// - `GET /api/v1/points` (`county`, `township`, `network`, `q`, `cursor`, `limit`), or with
///   `near=LAT,LON` (`radiusKm`, `limit`) the nearest first with `distanceKm`; scoped to the
///   caller's jurisdiction like rooms;
/// - `GET /api/v1/points/{id}`: 404 outside the caller's jurisdiction;
/// - `POST`, `PATCH /api/v1/points/{id}`, `DELETE /api/v1/points/{id}`: the admin, as for devices
///   (registry writes and anything holding camera credentials are the admin's).
///
/// Credentials are write-only: bodies may carry `source.username` and `source.password`; answers
/// only ever say `source.hasCredentials`.
extension RegistryController {
    func addPointRoutes(to api: RouterGroup<Context>) {
        api.get("points") { request, context in
            try await read(request, context, invalidInput: .query) { scope in
                if let near = Self.query(request, "near") {
                    guard let query = scope.narrow(try Self.nearQuery(request, near: near)) else { return PointsResponse(points: []) }
                    return PointsResponse(points: try await registry.points(near: query))
                }
                guard let query = scope.narrow(try Self.pointQuery(request)) else {
                    return PointsResponse(page: PointPage(points: [], nextCursor: nil))
                }
                return PointsResponse(page: try await registry.points(query))
            }
        }
        api.post("points") { request, context in
            try await respond(request, context, invalidInput: .content, status: .created) {
                let body = try await Self.decode(PointBody.self, from: request)
                return try await registry.createPoint(try Self.draft(body))
            }
        }
        api.get("points/{id}") { request, context in
            try await read(request, context, invalidInput: .content) { scope in
                var point = try await registry.point(id: try context.parameters.require("id"))
                // Outside the caller's jurisdiction a point is not known to it.
                guard scope.contains(areaCode: point.areaCode) else { throw APIError(.notFound, "no point '\(point.id)'") }
                if let onDemand = configuration.onDemand, let path = try? PathName("point/\(point.id)") { point.state = onDemand.pullState(path) }
                return point
            }
        }
        api.patch("points/{id}") { request, context in
            try await respond(request, context, invalidInput: .content) {
                let id = try context.parameters.require("id")
                let body = try await Self.decode(PointPatchBody.self, from: request)
                let point = try await registry.updatePoint(id: id, try Self.patch(body))
                // Disabled, or its camera moved: the pull stops and its viewers are cut.
                if let onDemand = configuration.onDemand, let path = try? PathName("point/\(id)"), !point.enabled || body.source != nil {
                    onDemand.release(path, reason: point.enabled ? "the point's source changed" : "the point was disabled")
                }
                return point
            }
        }
        api.delete("points/{id}") { request, context in
            let response = try await respond(request, context, invalidInput: .content) {
                let id = try context.parameters.require("id")
                try await registry.deletePoint(id: id)
                if let onDemand = configuration.onDemand, let path = try? PathName("point/\(id)") {
                    onDemand.release(path, reason: "the point was deleted")
                }
                return true
            }
            guard response.status == .ok else { return response }
            return Response(status: .noContent, headers: [.cacheControl: "no-store"])
        }
    }

    // MARK: - Input

    static func draft(_ body: PointBody) throws -> PointDraft {
        if (body.source.username ?? "").isEmpty, !(body.source.password ?? "").isEmpty {
            throw RegistryError(.invalid, "a password needs its username", field: "source.username")
        }
        let credentials = body.source.username.map { PointCredentials(username: $0, password: body.source.password ?? "") }
        return PointDraft(id: body.id, name: body.name, network: body.network, areaCode: body.areaCode,
                          latitude: body.latitude, longitude: body.longitude, sourceKind: body.source.kind, url: body.source.url,
                          transport: body.source.transport, credentials: credentials, enabled: body.enabled ?? true)
    }

    static func patch(_ body: PointPatchBody) throws -> PointPatch {
        PointPatch(name: body.name, network: body.network, areaCode: body.areaCode, latitude: body.latitude, longitude: body.longitude,
                   sourceKind: body.source?.kind, url: body.source?.url, transport: body.source?.transport,
                   credentials: try PointPatch.credentialsChange(username: body.source?.username, password: body.source?.password),
                   enabled: body.enabled)
    }

    /// `?county=&township=&network=&q=&limit=&cursor=`; codes, network, `q` and the cursor are the
    /// registry's to check (400 with the field named).
    static func pointQuery(_ request: Request) throws -> PointQuery {
        var pointQuery = PointQuery(county: query(request, "county"), township: query(request, "township"),
                                    network: query(request, "network"), q: query(request, "q"), cursor: query(request, "cursor"))
        if let text = query(request, "limit") {
            guard let limit = Int(text), (1...PointQuery.maximumLimit).contains(limit) else {
                throw APIError(.badRequest, "limit must be a whole number from 1 to \(PointQuery.maximumLimit), not '\(text.prefix(20))'")
            }
            pointQuery.limit = limit
        }
        return pointQuery
    }

    /// `?near=LAT,LON&radiusKm=R&limit=N` (and the list's `county`, `township`, `network`).
    static func nearQuery(_ request: Request, near: String) throws -> PointNearQuery {
        let parts = near.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let latitude = decimal(parts[0]), let longitude = decimal(parts[1]) else {
            throw APIError(.badRequest, "near must be LAT,LON in WGS-84 decimal degrees, not '\(near.prefix(40))'")
        }
        var nearQuery = PointNearQuery(latitude: latitude, longitude: longitude, county: query(request, "county"),
                                       township: query(request, "township"), network: query(request, "network"))
        if let text = query(request, "radiusKm") {
            guard let radius = decimal(text), radius > 0, radius <= PointNearQuery.maximumRadiusKm else {
                throw APIError(.badRequest, "radiusKm must be a number more than 0 and at most \(Int(PointNearQuery.maximumRadiusKm)), not '\(text.prefix(20))'")
            }
            nearQuery.radiusKm = radius
        }
        if let text = query(request, "limit") {
            guard let limit = Int(text), (1...PointNearQuery.maximumLimit).contains(limit) else {
                throw APIError(.badRequest, "limit must be a whole number from 1 to \(PointNearQuery.maximumLimit) with near, not '\(text.prefix(20))'")
            }
            nearQuery.limit = limit
        }
        if query(request, "cursor") != nil {
            throw APIError(.badRequest, "near answers one list, nearest first: it takes no cursor")
        }
        return nearQuery
    }

    /// A plain decimal number (no `nan`, `inf`, exponents or hex).
    static func decimal(_ text: String) -> Double? {
        guard !text.isEmpty, text.utf8.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".")
            || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") }) else { return nil }
        return Double(text).flatMap { $0.isFinite ? $0 : nil }
    }
}

/// `GET /api/v1/points`: a page of points (`nextCursor` `null` on the last page), or the points
/// near a place, nearest first, each with `distanceKm` (`nextCursor` always `null`).
struct PointsResponse: Encodable, Sendable {
    private enum Points: Encodable, Sendable {
        case page([Point])
        case near([NearbyPoint])

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .page(let points): try points.encode(to: encoder)
            case .near(let points): try points.encode(to: encoder)
            }
        }
    }

    private var points: Points
    private var nextCursor: String?

    init(page: PointPage) {
        points = .page(page.points)
        nextCursor = page.nextCursor
    }

    init(points: [NearbyPoint]) {
        self.points = .near(points)
        nextCursor = nil
    }

    private enum CodingKeys: String, CodingKey {
        case points, nextCursor
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(points, forKey: .points)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
