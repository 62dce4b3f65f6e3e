import AccessKeys
import Foundation
import JointReporting
import ReportingStore
@testable import RelayAPI

/// A reporting context for route tests: the record in a temporary directory, no organisations.
/// Every router is built with one (there is no admin-only router mode); these tests act as the
/// admin or without a token.
enum TestReporting {
    static func context(adminToken: String?) async throws -> ReportingContext {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relayapi-reporting-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let key = Data((0..<32).map { UInt8($0) })
        let database = try ReportingDatabase.open(directory: directory, auditKey: key)
        let organisations = StaticOrganisationDirectory(organisations: [], devices: [:], rooms: [])
        let coordinator = try await SessionCoordinator(store: database, directory: organisations, catalog: organisations, auditKey: key)
        return ReportingContext(coordinator: coordinator, adminTokens: AccessTokens(admin: adminToken),
                                organisationTokens: try await OrganisationTokens(database: database),
                                viewerTokens: ViewerTokenSigner(auditKey: key),
                                srtReadKeys: try await SRTReadKeyGenerations(database: database, keys: SRTReadKeys(auditKey: key)))
    }
}
