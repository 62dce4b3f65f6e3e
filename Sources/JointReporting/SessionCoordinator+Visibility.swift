import Foundation

extension SessionCoordinator {
    /// Whether `org` may watch `path` now: always inside its own jurisdiction (and its own hall
    /// and devices); otherwise only while it is a joined participant or observer of an open
    /// session carrying the feed. Invited-but-not-joined organisations see nothing yet.
    ///
    /// Synchronous and lock-protected (no actor hop, no storage read): meant for every HLS
    /// playlist, segment and part and every SRT read.
    public nonisolated func canView(org: String, path: SourcePath) -> Bool {
        directory.jurisdiction(of: org, contains: path) || viewing.isGranted(org: org, path: path)
    }

    /// `canView` for a path as text; anything that is not a session source path is `false`
    /// (`lab/` paths are the gateway's business, not joint reporting's).
    public nonisolated func canView(org: String, path: String) -> Bool {
        guard let parsed = try? SourcePath(parsing: path) else { return false }
        return canView(org: org, path: parsed)
    }

    /// Records the first view of `path` by `org` in each open session that lets it watch the
    /// feed, once per session. Returns whether anything new was recorded (views by jurisdiction
    /// outside any session are routine and not recorded here). A view that is not allowed is
    /// recorded as a refusal and throws, so call this when a viewer starts watching (a playlist
    /// request), not for every segment.
    @discardableResult
    public func recordView(org: String, path: String) async throws(ReportingError) -> Bool {
        await enterGate()
        defer { leaveGate() }
        let now = clock.now()
        do throws(ReportingError) {
            let source = try SourcePath(parsing: path)
            guard canView(org: org, path: source) else {
                throw ReportingError.forbidden("\(org) may not watch \(source): it is outside its jurisdiction and no open session it has joined carries it")
            }
            var recorded = false
            for session in sessions.values.sorted(by: { $0.id < $1.id })
            where session.state == .open && session.isAttached(source) && session.viewers.contains(org) {
                let key = Self.viewKey(session: session.id, org: org, path: source.description)
                guard !viewsRecorded.contains(key) else { continue }
                try await commit(.feedViewed, at: now, actor: org, sessionId: session.id, incidentId: session.incidentId,
                                 detail: ["path": .string(source.description)])
                viewsRecorded.insert(key)
                recorded = true
            }
            return recorded
        } catch {
            await appendRefusal(error, command: AuditKind.feedViewed.rawValue, at: now, actor: org, sessionId: nil,
                                incidentId: nil, arguments: ["path": .string(String(path.prefix(200)))])
            throw error
        }
    }

    /// Whether `org` may know of `session`: its jurisdiction contains the incident, or it is
    /// invited to, has joined, or has left the session. A removed organisation loses sight of it.
    /// Closed sessions stay visible to those who took part: the record is theirs too.
    func canSee(session: JointSession, org: String) -> Bool {
        if let incident = incidents[session.incidentId],
           directory.jurisdiction(of: org, containsArea: incident.location.areaCode) {
            return true
        }
        guard let participant = session.participant(org) else { return false }
        return participant.state != .removed
    }

    /// Whether `org` may know of `incident`: jurisdiction, or taking part in one of its sessions.
    func canSee(incident: Incident, org: String) -> Bool {
        if directory.jurisdiction(of: org, containsArea: incident.location.areaCode) { return true }
        return (sessionsByIncident[incident.id] ?? []).contains { id in
            sessions[id].map { canSee(session: $0, org: org) } ?? false
        }
    }
}
