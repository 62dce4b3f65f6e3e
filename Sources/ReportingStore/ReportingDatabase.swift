import Foundation
import GRDB
import JointReporting
import Logging

/// Joint reporting's storage: `<data>/reporting.sqlite` (WAL), beside the registry's database,
/// with the audit key and the chain's checkpoint in files of their own next to it.
///
/// Implements `JointReporting.ReportingStore`: one transaction per event with the incident and
/// session it changed, then the checkpoint file. Also keeps organisation tokens (hashed) and the
/// SRT read key generations.
/// Methods that touch the database are `async`: GRDB runs them on its own serial queues, so no
/// Swift-concurrency or event-loop thread waits on SQLite.
public final class ReportingDatabase: JointReporting.ReportingStore, Sendable {
    public static let databaseFileName = "reporting.sqlite"

    let writer: any DatabaseWriter
    public let directory: URL
    public let isReadOnly: Bool
    /// Signs the checkpoint file; nil when read-only (nothing is written then).
    private let auditKey: Data?
    private let logger: Logger

    /// Opens (creating and migrating if needed) `<directory>/reporting.sqlite` for writing.
    /// `auditKey` signs the checkpoint written after each commit.
    public static func open(directory: URL, auditKey: Data, logger: Logger = Logger(label: "fieldrelay.reporting")) throws -> ReportingDatabase {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportingStoreError(.storage, "cannot create data directory \(directory.path): \(error.localizedDescription)")
        }
        return try ReportingDatabase(directory: directory, auditKey: auditKey, readOnly: false, logger: logger)
    }

    /// Opens an existing database read-only, e.g. for `fieldrelay audit verify` while the server
    /// runs (WAL lets a reader see the last committed state without blocking the writer).
    public static func openReadOnly(directory: URL, logger: Logger = Logger(label: "fieldrelay.reporting")) throws -> ReportingDatabase {
        let url = directory.appendingPathComponent(databaseFileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ReportingStoreError(.notFound, "no reporting database at \(url.path)")
        }
        return try ReportingDatabase(directory: directory, auditKey: nil, readOnly: true, logger: logger)
    }

    private init(directory: URL, auditKey: Data?, readOnly: Bool, logger: Logger) throws {
        var configuration = Configuration()
        configuration.label = "fieldrelay.reporting"
        // The CLI beside a running server may hold the write lock briefly; wait, don't fail.
        configuration.busyMode = .timeout(5)
        configuration.readonly = readOnly
        configuration.foreignKeysEnabled = true
        let path = directory.appendingPathComponent(Self.databaseFileName).path
        do {
            // A pool is always in WAL mode.
            let pool = try DatabasePool(path: path, configuration: configuration)
            let migrator = ReportingSchema.migrator
            // Check first: `migrate` takes the write lock even when nothing is pending.
            let upToDate = try pool.read { try migrator.hasCompletedMigrations($0) }
            if !upToDate {
                guard !readOnly else {
                    throw ReportingStoreError(.readOnly, "the reporting database needs migrating; start the server once to migrate it")
                }
                try migrator.migrate(pool)
            }
            writer = pool
        } catch {
            throw ReportingStoreError.wrapping(error)
        }
        self.directory = directory
        self.auditKey = auditKey
        isReadOnly = readOnly
        self.logger = logger
    }

    public func close() throws {
        do {
            try writer.close()
        } catch {
            throw ReportingStoreError.wrapping(error)
        }
    }

    // MARK: - ReportingStore

    public func load() async throws -> ReportingSnapshot {
        do {
            return try await writer.read { db in
                let incidents = try IncidentRecord.fetchAll(db, sql: "SELECT * FROM incident ORDER BY id").map { try $0.incident() }
                let sessions = try SessionRecord.fetchAll(db, sql: "SELECT * FROM jointSession ORDER BY id").map { try $0.session() }
                return ReportingSnapshot(incidents: incidents, sessions: sessions, events: try Self.events(db))
            }
        } catch {
            throw ReportingStoreError.wrapping(error)
        }
    }

    public func commit(_ event: AuditEvent, incident: Incident?, session: JointSession?) async throws {
        guard !isReadOnly, let auditKey else {
            throw ReportingStoreError(.readOnly, "the reporting database was opened read-only")
        }
        let event = event
        let records = (try AuditEventRecord(event), try incident.map(IncidentRecord.init), try session.map(SessionRecord.init))
        let directory = self.directory
        let logger = self.logger
        do {
            try await writer.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try records.0.insert(db)
                    try records.1?.upsert(db)
                    try records.2?.upsert(db)
                    return .commit
                }
                // After the commit and still on the serialised writer, so checkpoints are written
                // in commit order. A failure here must not undo the commit (it is durable and the
                // coordinator must apply it): a checkpoint one step behind is accepted by the
                // verifier, and the next commit writes a fresh one.
                do {
                    try CheckpointFile.write(AuditCheckpoint(after: event), key: auditKey, directory: directory)
                } catch {
                    logger.error("audit checkpoint not written", metadata: ["seq": "\(event.seq)", "error": "\(error)"])
                }
            }
        } catch {
            throw ReportingStoreError.wrapping(error)
        }
    }

    // MARK: - Reads for verification

    /// The stored record, in chain order (seq, then storage order, so a duplicated number shows).
    public func events() async throws -> [AuditEvent] {
        do {
            return try await writer.read { try Self.events($0) }
        } catch {
            throw ReportingStoreError.wrapping(error)
        }
    }

    static func events(_ db: Database) throws -> [AuditEvent] {
        try AuditEventRecord.fetchAll(db, sql: "SELECT * FROM auditEvent ORDER BY seq, rowid").map { $0.event() }
    }
}
