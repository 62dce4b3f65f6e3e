import Foundation
import Synchronization

/// Resolves organisation tokens from memory: every HLS request is checked, and a database read
/// per segment is not acceptable.
///
/// The index follows the gateway's own issues and revocations at once; a token issued by the CLI
/// is found on first use (one look-up by hash on a miss); `refresh()`, which the gateway calls
/// every few seconds, makes a revocation by the CLI take effect.
public final class OrganisationTokens: Sendable {
    public let database: ReportingDatabase
    private struct State {
        var byHash: [String: ActiveOrganisationToken] = [:]
    }
    private let state = Mutex(State())

    public init(database: ReportingDatabase) async throws {
        self.database = database
        try await refresh()
    }

    /// The organisation the token belongs to, or nil for an unknown or revoked token.
    public func organisation(presenting token: String) async -> String? {
        guard token.hasPrefix(ReportingDatabase.organisationTokenPrefix), token.utf8.count <= 128 else { return nil }
        let hash = ReportingDatabase.hash(token: token)
        if let known = state.withLock({ $0.byHash[hash] }) { return known.organisation }
        // Not in memory: perhaps issued by the CLI a moment ago. One indexed look-up by hash (what
        // any request costs anyway); a genuine token is then served from memory from now on.
        guard let found = try? await database.activeToken(hash: hash) else { return nil }
        state.withLock { $0.byHash[hash] = found }
        return found.organisation
    }

    /// Re-reads the active tokens from the database.
    public func refresh() async throws {
        let fresh = try await database.activeTokens()
        state.withLock { $0.byHash = fresh }
    }

    public func issue(organisation: String) async throws -> IssuedOrganisationToken {
        let issued = try await database.issueToken(organisation: organisation)
        let hash = ReportingDatabase.hash(token: issued.token)
        state.withLock { $0.byHash[hash] = ActiveOrganisationToken(id: issued.info.id, organisation: organisation) }
        return issued
    }

    /// Revokes a token; requests presenting it are refused from the next one on.
    public func revoke(id: Int64) async throws -> OrganisationTokenInfo {
        let info = try await database.revokeToken(id: id)
        state.withLock { state in
            state.byHash = state.byHash.filter { $0.value.id != id }
        }
        return info
    }
}
