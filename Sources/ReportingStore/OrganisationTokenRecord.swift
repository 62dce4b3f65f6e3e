import GRDB

/// Row of table `organisationToken`: who a token belongs to and its SHA-256, never the token.
struct OrganisationTokenRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable {
    static let databaseTableName = "organisationToken"

    var id: Int64?
    var organisationId: String
    var tokenHash: String
    /// The token's first characters, so an operator can tell tokens apart in a listing.
    var hint: String
    var createdAt: Int64
    var revokedAt: Int64?

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
