/// The result of an accepted transition: the new session, the incident if the transition changed
/// it (escalation raises its grade), and the detail the record keeps.
public struct TransitionOutcome: Sendable {
    public var session: JointSession
    public var incident: Incident?
    public var detail: [String: AuditValue]
}
