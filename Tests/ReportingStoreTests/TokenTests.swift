import AccessKeys
import Foundation
import GRDB
import JointReporting
import ReportingStore
import Testing

@Suite("Organisation tokens (hashed, revocable) and viewer tokens (signed, short-lived)")
struct TokenTests {
    @Test("an organisation token resolves from memory, is stored only as its hash, and stops at revocation")
    func organisationTokens() async throws {
        let fixture = try await StoreFixture.open()
        defer { fixture.remove() }
        let tokens = try await OrganisationTokens(database: fixture.database)
        let issued = try await tokens.issue(organisation: StoreFixture.county)
        #expect(issued.token.hasPrefix("fro_") && issued.token.count == 44)
        #expect(await tokens.organisation(presenting: issued.token) == StoreFixture.county)
        #expect(await tokens.organisation(presenting: "fro_" + String(repeating: "x", count: 40)) == nil)
        #expect(await tokens.organisation(presenting: "nonsense") == nil)

        // The database never holds the token itself.
        let queue = try DatabaseQueue(path: fixture.directory.appendingPathComponent(ReportingDatabase.databaseFileName).path)
        let stored = try await queue.read { db in try String.fetchAll(db, sql: "SELECT tokenHash || hint FROM organisationToken") }
        try queue.close()
        #expect(stored.count == 1 && !stored[0].contains(issued.token))

        // Issued by another process (the CLI) while the gateway runs: found on first use.
        let other = try await fixture.database.issueToken(organisation: StoreFixture.city)
        #expect(await tokens.organisation(presenting: other.token) == StoreFixture.city)

        let listed = try await fixture.database.tokens(organisation: StoreFixture.county)
        #expect(listed.map(\.id) == [issued.info.id] && listed[0].hint == String(issued.token.prefix(8)))
        let revoked = try await tokens.revoke(id: issued.info.id)
        #expect(revoked.isRevoked)
        #expect(await tokens.organisation(presenting: issued.token) == nil)
        await #expect(throws: ReportingStoreError.self) { try await tokens.revoke(id: 999) }
    }

    @Test("a viewer token carries who and until when, and nothing else verifies")
    func viewerTokens() {
        let signer = ViewerTokenSigner(auditKey: Data(repeating: 7, count: 32))
        let now = Date(timeIntervalSince1970: 1_767_225_600)
        let token = signer.issue(for: .organisation("520602"), now: now)
        #expect(token.hasPrefix("frv1.520602."))
        #expect(signer.check(token, now: now) == .valid(.organisation("520602")))
        #expect(signer.check(token, now: now.addingTimeInterval(599)) == .valid(.organisation("520602")))
        #expect(signer.check(token, now: now.addingTimeInterval(601)) == .expired)
        #expect(signer.check(signer.issue(for: .admin, now: now), now: now) == .valid(.admin))
        // Another organisation's name, a later expiry, another key: all forged.
        #expect(signer.check(token.replacingOccurrences(of: "520602", with: "520603"), now: now) == .invalid)
        let parts = token.split(separator: ".")
        #expect(signer.check("frv1.520602.\(Int(parts[2])! + 3600).\(parts[3])", now: now) == .invalid)
        #expect(ViewerTokenSigner(auditKey: Data(repeating: 8, count: 32)).check(token, now: now) == .invalid)
        #expect(signer.check("frv1.admin", now: now) == .invalid)
        #expect(signer.check("", now: now) == .invalid)
    }

    @Test("a viewer is handed the same token for a whole renewal step, so a URI names one resource across playlist reloads")
    func viewerTokensAreStableWithinAStep() {
        let signer = ViewerTokenSigner(auditKey: Data(repeating: 7, count: 32))
        let start = Date(timeIntervalSince1970: 1_767_225_601) // one second into a step
        let first = signer.issue(for: .organisation("520602"), now: start)
        for later in [1.0, 10, 30.5, 58.9] {
            #expect(signer.issue(for: .organisation("520602"), now: start.addingTimeInterval(later)) == first)
        }
        // Another viewer, or the next step, gets another token.
        #expect(signer.issue(for: .organisation("520603"), now: start) != first)
        let next = signer.issue(for: .organisation("520602"), now: start.addingTimeInterval(60))
        #expect(next != first)
        // Still valid for at least the lifetime from the latest issue, never more than a step longer.
        let issuedLast = start.addingTimeInterval(58.9)
        #expect(signer.check(first, now: issuedLast.addingTimeInterval(ViewerTokenSigner.defaultLifetime - 1)) == .valid(.organisation("520602")))
        #expect(signer.check(first, now: start.addingTimeInterval(ViewerTokenSigner.defaultLifetime + 60)) == .expired)
        #expect(signer.check(next, now: start.addingTimeInterval(60 + ViewerTokenSigner.defaultLifetime - 1)) == .valid(.organisation("520602")))
    }

    @Test("organisation token secrets: the prefix and 40 characters of [A-Za-z0-9]; the stored hash is the SHA-256 in lowercase hex, as before the move")
    func tokenSecret() {
        let token = OrganisationTokenSecret.generate(prefix: "fro_")
        #expect(token.hasPrefix("fro_") && token.count == 44)
        #expect(token.dropFirst(4).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(OrganisationTokenSecret.generate(prefix: "fro_") != token)
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        #expect(OrganisationTokenSecret.hash(token: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
