import Foundation

/// An organisation token as listed: never the token itself, which is shown once, when issued.
public struct OrganisationTokenInfo: Sendable, Hashable, Codable {
    public var id: Int64
    public var organisation: String
    /// The token's first characters, to tell tokens apart.
    public var hint: String
    public var createdAt: Date
    public var revokedAt: Date?

    public var isRevoked: Bool { revokedAt != nil }

    init(_ record: OrganisationTokenRecord) {
        id = record.id ?? 0
        organisation = record.organisationId
        hint = record.hint
        createdAt = Date(timeIntervalSince1970: TimeInterval(record.createdAt) / 1000)
        revokedAt = record.revokedAt.map { Date(timeIntervalSince1970: TimeInterval($0) / 1000) }
    }
}
