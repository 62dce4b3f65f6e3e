import Foundation
import JointReporting

/// What `fieldrelay audit verify` finds in a data directory.
public struct AuditReport: Sendable {
    /// Events in the database.
    public var events: Int
    /// The checkpoint read from `audit.checkpoint` (nil for an empty, never-written record).
    public var checkpoint: AuditCheckpoint?
    public var verification: AuditVerification

    public var isIntact: Bool { verification.isIntact }

    /// Verifies the record in `directory`, read-only: the key file, the checkpoint file (its own
    /// MAC first), then every event against the chain and the checkpoint. Safe while the server
    /// runs: the checkpoint is read before the database, and the server writes it only after a
    /// commit, so the database is never behind the checkpoint read.
    ///
    /// Throws when the record cannot be judged at all (no key, unreadable or forged checkpoint,
    /// a checkpoint missing beside a non-empty record); a judged record comes back as a report.
    public static func verify(directory: URL) async throws -> AuditReport {
        let key = try AuditKeyFile.load(directory: directory)
        let checkpoint = try CheckpointFile.read(key: key, directory: directory)
        let database = try ReportingDatabase.openReadOnly(directory: directory)
        defer { try? database.close() }
        let events = try await database.events()
        if checkpoint == nil, !events.isEmpty {
            throw ReportingStoreError(.notFound, "no \(CheckpointFile.fileName) beside a record of \(events.count) events: the end of the record cannot be checked (was the file deleted?)")
        }
        let verification = AuditVerifier.verify(events: events, keyBytes: key, checkpoint: checkpoint)
        return AuditReport(events: events.count, checkpoint: checkpoint, verification: verification)
    }
}
