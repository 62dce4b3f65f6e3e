/// Persistence for joint reporting, declared here and implemented beside the registry's storage
/// (and by `InMemoryReportingStore` in tests).
public protocol ReportingStore: Sendable {
    /// Everything stored, read once when the coordinator starts. Events in `seq` order, as stored
    /// (without re-sorting, so that a reordered table shows in verification).
    func load() async throws -> ReportingSnapshot

    /// Appends `event` and upserts `incident` and `session` (those given) in one transaction:
    /// either all of it is stored or none of it, so nothing is ever half-applied. Throwing means
    /// nothing was stored; the coordinator then applies nothing either.
    ///
    /// Implementations keep the chain's head outside the database (`AuditCheckpoint(after:)`,
    /// written after the transaction commits) so that a cut tail can be detected.
    func commit(_ event: AuditEvent, incident: Incident?, session: JointSession?) async throws
}
