import RoomRegistry

/// `GET /api/v1/orgs`.
struct OrganisationsResponse: Encodable, Sendable {
    var organisations: [Organisation]
}
