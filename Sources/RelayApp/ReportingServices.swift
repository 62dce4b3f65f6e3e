import AccessKeys
import Foundation
import JointReporting
import Logging
import RelayAPI
import ReportingStore
import RoomRegistry

/// Joint reporting as the gateway runs it: the record in `<data>/reporting.sqlite` with its key
/// and checkpoint beside it, the coordinator over the registry, the tokens, and the media policy
/// and REST context built on them.
public final class ReportingServices: Sendable {
    public let coordinator: SessionCoordinator
    public let database: ReportingDatabase
    public let organisationTokens: OrganisationTokens
    public let viewerTokens: ViewerTokenSigner
    /// Passphrases for reading feeds over SRT (`u=<org>`), derived from the audit key, at each
    /// caller's current generation.
    public let srtReadKeys: SRTReadKeyGenerations
    /// What RelayAPI's routes decide callers and viewing by.
    public let context: ReportingContext
    let directory: RegistryDirectory
    let logger: Logger

    init(coordinator: SessionCoordinator, database: ReportingDatabase, organisationTokens: OrganisationTokens,
         viewerTokens: ViewerTokenSigner, srtReadKeys: SRTReadKeyGenerations, context: ReportingContext, directory: RegistryDirectory, logger: Logger) {
        self.coordinator = coordinator
        self.srtReadKeys = srtReadKeys
        self.database = database
        self.organisationTokens = organisationTokens
        self.viewerTokens = viewerTokens
        self.context = context
        self.directory = directory
        self.logger = logger
    }

    /// The service that keeps the directory, the token index and the read key generations fresh,
    /// and closes the database.
    var service: ReportingService { ReportingService(services: self) }

    static func build(dataDirectory: URL, registry: Registry, adminToken: String, logger: Logger) async throws -> ReportingServices {
        do {
            let key = try AuditKeyFile.loadOrCreate(directory: dataDirectory)
            let leftovers = StaleTemporaryFiles.remove(in: dataDirectory, names: [CheckpointFile.fileName, AuditKeyFile.fileName])
            if !leftovers.isEmpty {
                logger.notice("removed temporary files left by a process that was stopped while writing",
                              metadata: ["files": "\(leftovers.joined(separator: " "))"])
            }
            let database = try ReportingDatabase.open(directory: dataDirectory, auditKey: key.key, logger: logger)
            let stored = try await database.events()
            // A new key beside an existing record would fork the chain: every old event would fail
            // verification. Refuse to start and say what is missing instead.
            if key.created, !stored.isEmpty {
                try? database.close()
                throw RelayAppError(.startup, "\(AuditKeyFile.fileName) is missing but \(ReportingDatabase.databaseFileName) holds \(stored.count) audit events; restore the key file (a new key was written and must be removed first)")
            }
            if key.created {
                logger.notice("audit key written (mode 0600)", metadata: ["file": "\(dataDirectory.appendingPathComponent(AuditKeyFile.fileName).path)"])
            }
            let directory = try await RegistryDirectory(registry: registry)
            let coordinator = try await SessionCoordinator(store: database, directory: directory, catalog: directory, auditKey: key.key)
            await checkRecord(coordinator, key: key.key, dataDirectory: dataDirectory, logger: logger)
            let organisationTokens = try await OrganisationTokens(database: database)
            let viewerTokens = ViewerTokenSigner(auditKey: key.key)
            let srtReadKeys = try await SRTReadKeyGenerations(database: database, keys: SRTReadKeys(auditKey: key.key))
            var context = ReportingContext(coordinator: coordinator, adminTokens: AccessTokens(admin: adminToken),
                                           organisationTokens: organisationTokens, viewerTokens: viewerTokens, srtReadKeys: srtReadKeys)
            // From the admission index (memory), as SRT admission reads it.
            let admission = registry.admission
            context.pointArea = { id in admission.areaCode(path: "point/\(id)") }
            return ReportingServices(coordinator: coordinator, database: database, organisationTokens: organisationTokens,
                                     viewerTokens: viewerTokens, srtReadKeys: srtReadKeys, context: context,
                                     directory: directory, logger: logger)
        } catch let error as RelayAppError {
            throw error
        } catch {
            throw RelayAppError(.startup, "joint reporting in \(dataDirectory.path): \(error)")
        }
    }

    /// Verifies the record at start. A broken record does not stop the gateway (emergency video
    /// must flow), but it is logged as critical, naming the first bad event.
    private static func checkRecord(_ coordinator: SessionCoordinator, key: Data, dataDirectory: URL, logger: Logger) async {
        do {
            let checkpoint = try CheckpointFile.read(key: key, directory: dataDirectory)
            let verdict = try await coordinator.verifyRecord(checkpoint: checkpoint)
            if let fault = verdict.fault {
                logger.critical("the audit record does not verify", metadata: ["fault": "\(fault)"])
            }
        } catch {
            logger.critical("the audit record could not be verified", metadata: ["error": "\(error)"])
        }
    }
}
