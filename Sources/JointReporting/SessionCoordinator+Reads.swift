import Foundation

extension SessionCoordinator {
    /// The incident, if `viewer` may see it; otherwise `notFound`, never `forbidden`.
    public func incident(id: String, as viewer: Viewer) throws(ReportingError) -> Incident {
        guard let incident = incidents[id], isVisible(incident, to: viewer) else {
            throw .notFound("no incident '\(id.prefix(80))'")
        }
        return incident
    }

    /// The session, if `viewer` may see it; otherwise `notFound`.
    public func session(id: String, as viewer: Viewer) throws(ReportingError) -> JointSession {
        guard let session = sessions[id], isVisible(session, to: viewer) else {
            throw .notFound("no session '\(id.prefix(80))'")
        }
        return session
    }

    /// Incidents `viewer` may see, oldest first.
    public func incidents(visibleTo viewer: Viewer) -> [Incident] {
        incidents.values.filter { isVisible($0, to: viewer) }.sorted { $0.id < $1.id }
    }

    /// Sessions `viewer` may see, oldest first, optionally only those in `state`.
    public func sessions(visibleTo viewer: Viewer, state: SessionState? = nil) -> [JointSession] {
        sessions.values
            .filter { (state == nil || $0.state == state) && isVisible($0, to: viewer) }
            .sorted { $0.id < $1.id }
    }

    /// The sessions of an incident that `viewer` may see.
    public func sessions(ofIncident incidentId: String, as viewer: Viewer) throws(ReportingError) -> [JointSession] {
        _ = try incident(id: incidentId, as: viewer)
        return (sessionsByIncident[incidentId] ?? []).compactMap { sessions[$0] }.filter { isVisible($0, to: viewer) }
    }

    /// Where the incident's reporting stands now, by the configured deadlines.
    public func reportingStatus(incidentId: String, as viewer: Viewer) throws(ReportingError) -> ReportingStatus {
        try incident(id: incidentId, as: viewer).reportingStatus(at: clock.now(), deadlines: deadlines)
    }

    /// The session's record, in order (refusals included).
    public func events(ofSession sessionId: String, as viewer: Viewer) throws(ReportingError) -> [AuditEvent] {
        _ = try session(id: sessionId, as: viewer)
        return events.filter { $0.sessionId == sessionId }
    }

    /// The incident's record, in order: its own events and those of its sessions.
    public func events(ofIncident incidentId: String, as viewer: Viewer) throws(ReportingError) -> [AuditEvent] {
        _ = try incident(id: incidentId, as: viewer)
        return events.filter { $0.incidentId == incidentId }
    }

    /// The whole record, for the administrator and for verification.
    public func allEvents() -> [AuditEvent] { events }

    /// The head of the chain as this coordinator has written it.
    public var checkpoint: AuditCheckpoint { chain.checkpoint }

    /// Verifies the record as the store holds it now.
    public func verifyRecord(checkpoint: AuditCheckpoint?) async throws(ReportingError) -> AuditVerification {
        let stored: [AuditEvent]
        do {
            stored = try await store.load().events
        } catch {
            throw ReportingError(.unavailable, "the record could not be read", underlying: error)
        }
        return AuditVerifier.verify(events: stored, keyBytes: auditKey, checkpoint: checkpoint)
    }

    func isVisible(_ incident: Incident, to viewer: Viewer) -> Bool {
        switch viewer {
        case .admin: true
        case .organisation(let org): canSee(incident: incident, org: org)
        }
    }

    func isVisible(_ session: JointSession, to viewer: Viewer) -> Bool {
        switch viewer {
        case .admin: true
        case .organisation(let org): canSee(session: session, org: org)
        }
    }
}
