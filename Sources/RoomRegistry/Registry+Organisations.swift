import Foundation
import GRDB

extension Registry {
    /// Organisations (`GET /api/v1/orgs`), ordered by id; optionally of one level.
    public func organisations(level: OrganisationLevel? = nil) async throws -> [Organisation] {
        try await read { db in
            if let level {
                return try OrganisationRecord.fetchAll(db, sql: "SELECT * FROM organisation WHERE level = ? ORDER BY id", arguments: [level]).map(\.organisation)
            }
            return try OrganisationRecord.fetchAll(db, sql: "SELECT * FROM organisation ORDER BY id").map(\.organisation)
        }
    }

    public func organisation(id: String) async throws -> Organisation {
        guard OrganisationIdentifier.isValid(id) else {
            throw RegistryError(.invalid, "'\(id.prefix(64))' is not a valid organisation id")
        }
        let record = try await read { db in try OrganisationRecord.fetchOne(db, key: id) }
        guard let record else { throw RegistryError(.notFound, "no organisation '\(id)'") }
        return record.organisation
    }
}
