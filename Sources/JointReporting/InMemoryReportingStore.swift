/// A `ReportingStore` in memory, for tests. Can be told to fail, to prove that a failed write
/// leaves nothing half-applied.
public actor InMemoryReportingStore: ReportingStore {
    public private(set) var incidents: [String: Incident]
    public private(set) var sessions: [String: JointSession]
    public private(set) var events: [AuditEvent]
    /// Updated after each commit, as a real store writes its checkpoint file.
    public private(set) var checkpoint: AuditCheckpoint
    private var failuresToInject = 0

    public struct InjectedFailure: Error, Sendable {}

    public init(_ snapshot: ReportingSnapshot = ReportingSnapshot()) {
        incidents = Dictionary(snapshot.incidents.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        sessions = Dictionary(snapshot.sessions.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        events = snapshot.events
        checkpoint = snapshot.events.last.map(AuditCheckpoint.init(after:)) ?? .empty
    }

    /// The next `count` commits throw and store nothing.
    public func failNextCommits(_ count: Int = 1) {
        failuresToInject = count
    }

    public func load() async throws -> ReportingSnapshot {
        ReportingSnapshot(
            incidents: incidents.values.sorted { $0.id < $1.id },
            sessions: sessions.values.sorted { $0.id < $1.id },
            events: events)
    }

    public func commit(_ event: AuditEvent, incident: Incident?, session: JointSession?) async throws {
        if failuresToInject > 0 {
            failuresToInject -= 1
            throw InjectedFailure()
        }
        events.append(event)
        if let incident { incidents[incident.id] = incident }
        if let session { sessions[session.id] = session }
        checkpoint = AuditCheckpoint(after: event)
    }
}
