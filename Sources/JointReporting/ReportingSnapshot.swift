/// Everything a `ReportingStore` holds, as loaded at start.
public struct ReportingSnapshot: Sendable {
    public var incidents: [Incident]
    public var sessions: [JointSession]
    /// In `seq` order.
    public var events: [AuditEvent]

    public init(incidents: [Incident] = [], sessions: [JointSession] = [], events: [AuditEvent] = []) {
        self.incidents = incidents
        self.sessions = sessions
        self.events = events
    }
}
