/// The verdict of `AuditVerifier.verify`.
public enum AuditVerification: Sendable, Hashable {
    /// Every event verifies; the head of the chain is given so that it can be compared with, or
    /// become, the external checkpoint.
    case intact(AuditCheckpoint)
    /// The first fault found, naming the first bad event.
    case broken(AuditFault)

    public var isIntact: Bool { if case .intact = self { true } else { false } }
    public var fault: AuditFault? { if case .broken(let fault) = self { fault } else { nil } }
}
