import Foundation
import Synchronization

/// Resolves organisation tokens from memory: every HLS request is checked, and a database read
/// per segment is not acceptable.
///
/// The index is refreshed from the database when the gateway issues or revokes a token, when an
/// unknown token is presented (at most once a second, so a token just issued by the CLI works at
/// once and a flood of forged tokens costs one read a second), and by `refresh()`, which the
/// gateway calls every few seconds so that a revocation made by the CLI takes effect.
public final class OrganisationTokens: Sendable {
    public let database: ReportingDatabase
    private struct State {
        var byHash: [String: ActiveOrganisationToken] = [:]
        var lastRefresh: ContinuousClock.Instant?
    }
    private let state = Mutex(State())
    /// How often a miss may trigger a reload.
    static let missRefreshInterval: Duration = .seconds(1)

    public init(database: ReportingDatabase) async throws {
        self.database = database
        try await refresh()
    }

    /// The organisation the token belongs to, or nil for an unknown or revoked token.
    public func organisation(presenting token: String) async -> String? {
        guard token.hasPrefix(ReportingDatabase.organisationTokenPrefix), token.utf8.count <= 128 else { return nil }
        let hash = ReportingDatabase.hash(token: token)
        if let known = state.withLock({ $0.byHash[hash] }) { return known.organisation }
        let now = ContinuousClock.now
        let mayRefresh = state.withLock { state -> Bool in
            if let last = state.lastRefresh, now - last < Self.missRefreshInterval { return false }
            state.lastRefresh = now
            return true
        }
        guard mayRefresh else { return nil }
        try? await refresh()
        return state.withLock { $0.byHash[hash]?.organisation }
    }

    /// Re-reads the active tokens from the database.
    public func refresh() async throws {
        let fresh = try await database.activeTokens()
        state.withLock {
            $0.byHash = fresh
            $0.lastRefresh = ContinuousClock.now
        }
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
