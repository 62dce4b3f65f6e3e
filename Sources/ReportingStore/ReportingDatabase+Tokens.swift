import AccessKeys
import Foundation
import GRDB
import JointReporting

extension ReportingDatabase {
    /// Organisation tokens start with this, so a log line or a support request shows at a glance
    /// what kind of secret it is (and viewer tokens, `frv1.`, cannot be mistaken for one).
    public static let organisationTokenPrefix = "fro_"

    /// Issues a new token for `organisation` (whose existence the caller has checked against the
    /// registry). Only its SHA-256 is stored.
    public func issueToken(organisation: String, at now: Date = Date()) async throws -> IssuedOrganisationToken {
        guard !isReadOnly else { throw ReportingStoreError(.readOnly, "the reporting database was opened read-only") }
        let token = OrganisationTokenSecret.generate(prefix: Self.organisationTokenPrefix)
        var record = OrganisationTokenRecord(
            id: nil, organisationId: organisation, tokenHash: Self.hash(token: token),
            hint: String(token.prefix(Self.organisationTokenPrefix.count + 4)),
            createdAt: Int64((now.timeIntervalSince1970 * 1000).rounded()), revokedAt: nil)
        do {
            record = try await writer.write { [record] db in
                var inserted = record
                try inserted.insert(db)
                return inserted
            }
        } catch {
            throw ReportingStoreError.wrapping(error)
        }
        return IssuedOrganisationToken(token: token, info: OrganisationTokenInfo(record))
    }

    /// Tokens, oldest first; of one organisation or all.
    public func tokens(organisation: String? = nil) async throws -> [OrganisationTokenInfo] {
        do {
            return try await writer.read { db in
                if let organisation {
                    return try OrganisationTokenRecord.fetchAll(db, sql: "SELECT * FROM organisationToken WHERE organisationId = ? ORDER BY id",
                                                                arguments: [organisation]).map(OrganisationTokenInfo.init)
                }
                return try OrganisationTokenRecord.fetchAll(db, sql: "SELECT * FROM organisationToken ORDER BY id").map(OrganisationTokenInfo.init)
            }
        } catch {
            throw ReportingStoreError.wrapping(error)
        }
    }

    /// Revokes token `id` (idempotent: revoking a revoked token keeps its first revocation time).
    public func revokeToken(id: Int64, at now: Date = Date()) async throws -> OrganisationTokenInfo {
        guard !isReadOnly else { throw ReportingStoreError(.readOnly, "the reporting database was opened read-only") }
        let millis = Int64((now.timeIntervalSince1970 * 1000).rounded())
        let record: OrganisationTokenRecord?
        do {
            record = try await writer.write { db in
                try db.execute(sql: "UPDATE organisationToken SET revokedAt = ? WHERE id = ? AND revokedAt IS NULL", arguments: [millis, id])
                return try OrganisationTokenRecord.fetchOne(db, key: id)
            }
        } catch {
            throw ReportingStoreError.wrapping(error)
        }
        guard let record else { throw ReportingStoreError(.notFound, "no organisation token \(id)") }
        return OrganisationTokenInfo(record)
    }

    /// Every token that is not revoked, by hash: what the in-memory index holds.
    func activeTokens() async throws -> [String: ActiveOrganisationToken] {
        do {
            return try await writer.read { db in
                var result: [String: ActiveOrganisationToken] = [:]
                for record in try OrganisationTokenRecord.fetchAll(db, sql: "SELECT * FROM organisationToken WHERE revokedAt IS NULL") {
                    result[record.tokenHash] = ActiveOrganisationToken(id: record.id ?? 0, organisation: record.organisationId)
                }
                return result
            }
        } catch {
            throw ReportingStoreError.wrapping(error)
        }
    }

    /// The active token with this hash, if any.
    func activeToken(hash: String) async throws -> ActiveOrganisationToken? {
        do {
            return try await writer.read { db in
                try OrganisationTokenRecord.fetchOne(
                    db, sql: "SELECT * FROM organisationToken WHERE tokenHash = ? AND revokedAt IS NULL", arguments: [hash]
                ).map { ActiveOrganisationToken(id: $0.id ?? 0, organisation: $0.organisationId) }
            }
        } catch {
            throw ReportingStoreError.wrapping(error)
        }
    }

    /// Lowercase hex SHA-256 of the token's UTF-8 bytes (`OrganisationTokenSecret`).
    static func hash(token: String) -> String {
        OrganisationTokenSecret.hash(token: token)
    }
}
