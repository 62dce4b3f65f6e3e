import Foundation

extension SessionCoordinator {
    /// Opens a joint session on an incident, hosted by `actor` (a township command centre whose
    /// jurisdiction contains the incident). At most one session per incident is open at a time.
    ///
    /// With `idempotencyKey`, the same request again by the same organisation returns the session
    /// the first one opened (as it stands now) instead of a refusal for an open session.
    public func openSession(incidentId: String, by actor: String, idempotencyKey: String? = nil) async throws(ReportingError) -> JointSession {
        await enterGate()
        defer { leaveGate() }
        let now = clock.now()
        let known = incidents[incidentId]
        do throws(ReportingError) {
            if let id = try idempotentReplay("session", actor: actor, key: idempotencyKey, request: Self.sessionRequest(incident: incidentId)),
               let session = sessions[id] {
                return session
            }
            guard let incident = known, canSee(incident: incident, org: actor) else {
                throw ReportingError.notFound("no incident '\(incidentId.prefix(80))'")
            }
            if let open = openSessionByIncident[incidentId] {
                throw ReportingError.conflict("incident \(incidentId) already has an open session, \(open); close it before opening another", .sessionAlreadyOpen)
            }
            let id = Self.identifier("ses-", nextSessionNumber)
            let outcome = try JointSession.opening(id: id, for: incident, by: actor, directory: directory, rules: rules, now: now)
            var detail = outcome.detail
            if let idempotencyKey { detail[Self.idempotencyKeyField] = .string(idempotencyKey) }
            try await commit(.sessionCreated, at: now, actor: actor, sessionId: id, incidentId: incidentId,
                             detail: detail, session: outcome.session)
            if let idempotencyKey {
                idempotentCreations[Self.idempotencyIndex("session", actor: actor, key: idempotencyKey)] =
                    IdempotentCreation(resource: id, request: Self.sessionRequest(incident: incidentId))
            }
            nextSessionNumber += 1
            return outcome.session
        } catch {
            await appendRefusal(error, command: "session.create", at: now, actor: actor, sessionId: nil,
                                incidentId: known?.id, arguments: known == nil ? ["incident": .string(String(incidentId.prefix(80)))] : [:])
            throw error
        }
    }

    /// Applies `command` to session `sessionId` on behalf of `actor`. See `SessionCommand` for
    /// who may do what. An organisation that may not see the session is told it does not exist.
    public func perform(_ command: SessionCommand, on sessionId: String, by actor: String) async throws(ReportingError) -> JointSession {
        await enterGate()
        defer { leaveGate() }
        let now = clock.now()
        let known = sessions[sessionId]
        do throws(ReportingError) {
            guard let session = known, canSee(session: session, org: actor),
                  let incident = incidents[session.incidentId]
            else {
                throw ReportingError.notFound("no session '\(sessionId.prefix(80))'")
            }
            let context = TransitionContext(directory: directory, catalog: catalog, rules: rules, incident: incident, now: now)
            let outcome = try session.applying(command, by: actor, in: context)
            try await commit(command.auditKind, at: now, actor: actor, sessionId: session.id, incidentId: incident.id,
                             detail: outcome.detail, incident: outcome.incident, session: outcome.session)
            return outcome.session
        } catch {
            var arguments = command.auditArguments
            if known == nil { arguments["session"] = .string(String(sessionId.prefix(80))) }
            await appendRefusal(error, command: command.auditKind.rawValue, at: now, actor: actor, sessionId: known?.id,
                                incidentId: known?.incidentId, arguments: arguments)
            throw error
        }
    }

    /// What `org` may do to session `sessionId` now, by the rule that refuses the commands
    /// (`JointSession.permit`); empty when it may not see the session.
    public func actions(onSession sessionId: String, for org: String) -> [SessionAction] {
        guard let (session, context) = readContext(sessionId, for: org) else { return [] }
        return session.actions(for: org, in: context)
    }

    /// What `org` may do to each feed and participant of session `sessionId` now
    /// (`JointSession.targetActions`); empty when it may not see the session.
    public func targetActions(onSession sessionId: String, for org: String) -> JointSession.TargetActions {
        guard let (session, context) = readContext(sessionId, for: org) else { return .init() }
        return session.targetActions(for: org, in: context)
    }

    private func readContext(_ sessionId: String, for org: String) -> (JointSession, TransitionContext)? {
        guard let session = sessions[sessionId], canSee(session: session, org: org),
              let incident = incidents[session.incidentId]
        else { return nil }
        let context = TransitionContext(directory: directory, catalog: catalog, rules: rules, incident: incident, now: clock.now(),
                                        openSessionHost: openSessionByIncident[incident.id].flatMap { sessions[$0] }?.host)
        return (session, context)
    }
}
