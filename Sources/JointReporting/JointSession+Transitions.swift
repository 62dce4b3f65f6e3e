import Foundation

/// The joint-session state machine. Every transition is checked here and every refusal says why;
/// `SessionCommand` documents who may do what. Checks run in a fixed order — closed session,
/// unknown actor, who may act, malformed input, unknown thing, state — so the same mistake always
/// gets the same answer.
extension JointSession {
    /// Longest handover note accepted.
    public static let maximumNoteLength = 2_000

    /// A new session for `incident`, hosted by `actor`, which must be the township command centre
    /// whose jurisdiction contains the incident. Checking that no other session of the incident is
    /// open is the coordinator's job (it alone sees all sessions).
    ///
    /// A session opened on an incident already graded III or above invites at once the levels the
    /// escalation rules name for grades up to its grade, as if it had been escalated from nothing:
    /// a grade-II incident should never run without the city hall being asked.
    public static func opening(
        id: String, for incident: Incident, by actor: String,
        directory: any OrganisationDirectory, rules: EscalationRules, now: Date
    ) throws(ReportingError) -> TransitionOutcome {
        guard let actorOrg = directory.organisation(id: actor) else {
            throw .forbidden("'\(actor.prefix(80))' is not a registered organisation")
        }
        guard actorOrg.level == .township else {
            throw .forbidden("joint sessions are opened by the township command centre that received the report; \(actor) is a \(actorOrg.level.rawValue)")
        }
        guard actorOrg.jurisdictionContains(areaCode: incident.location.areaCode) else {
            throw .forbidden("incident \(incident.id) at \(incident.location.areaCode) lies outside township \(actor)'s jurisdiction")
        }
        var session = JointSession(
            id: id, incidentId: incident.id, host: actor,
            participants: [SessionParticipant(org: actor, role: .participant, state: .joined, invitedBy: nil, since: now)],
            createdAt: now)
        let (invited, unresolved) = session.inviteByGrade(
            levels: rules.levels(raisingFrom: nil, to: incident.grade), incident: incident, directory: directory, now: now)
        var detail: [String: AuditValue] = [
            "host": .string(actor), "grade": .string(incident.grade.rawValue),
            "invited": .array(invited.map(AuditValue.string)),
        ]
        if !unresolved.isEmpty { detail["unresolvedLevels"] = .array(unresolved.map { .string($0.rawValue) }) }
        return TransitionOutcome(session: session, incident: nil, detail: detail)
    }

    /// Applies `command` by `actor`, returning the new state or throwing the reason for refusal.
    /// Who may act is `permit(_:by:in:)`'s to say (the same rule that lists a caller's actions);
    /// what follows checks the command's arguments against the state.
    public func applying(_ command: SessionCommand, by actor: String, in context: TransitionContext) throws(ReportingError) -> TransitionOutcome {
        try permit(command.action, by: actor, in: context)
        var next = self
        var detail = command.auditArguments
        var changedIncident: Incident?
        let now = context.now
        let incidentArea = context.incident.location.areaCode

        switch command {
        case .attach(let text):
            let path = try SourcePath(parsing: text)
            if case .hall(let owner) = path {
                guard owner == actor else {
                    throw .forbidden("\(actor) may attach only its own hall camera (hall/\(actor)), not hall/\(owner)")
                }
            } else {
                guard actor == host else {
                    throw .forbidden("only the host (\(host)) attaches rooms and cameras; a participant may attach only its own hall", .notHost)
                }
            }
            guard context.catalog.exists(path) else {
                throw .notFound("no registered source \(path); only registered rooms, devices and halls can be attached")
            }
            guard context.directory.jurisdiction(of: actor, contains: path) else {
                throw .forbidden("\(path) lies outside \(actor)'s jurisdiction; a session may not lend others a feed its host cannot see", .outsideJurisdiction)
            }
            guard !isAttached(path) else {
                throw .conflict("\(path) is already attached to session \(id)", .alreadyAttached)
            }
            next.feeds.append(SessionFeed(path: path, attachedBy: actor, attachedAt: now))

        case .detach(let text):
            let path = try SourcePath(parsing: text)
            guard actor == host || path == .hall(actor) else {
                throw .forbidden("only the host (\(host)) detaches feeds; a participant may detach only its own hall", .notHost)
            }
            guard isAttached(path) else {
                throw .conflict("\(path) is not attached to session \(id)", .notAttached)
            }
            next.detach([path], into: &detail)

        case .focus(let text):
            detail["previous"] = AuditValue(focus?.description)
            if let text {
                let path = try SourcePath(parsing: text)
                guard isAttached(path) else {
                    throw .conflict("\(path) is not attached to session \(id); only an attached feed can be the focus", .notAttached)
                }
                guard focus != path else {
                    throw .conflict("\(path) is already the focus of session \(id)")
                }
                next.focus = path
            } else {
                guard focus != nil else {
                    throw .conflict("session \(id) has no focus to clear")
                }
                next.focus = nil
            }

        case .invite(let org, let role):
            guard context.directory.organisation(id: org) != nil else {
                throw .notFound("no organisation '\(org.prefix(80))'")
            }
            guard org != host else {
                throw .conflict("\(org) hosts session \(id); it cannot be invited to it")
            }
            if let existing = participant(org) {
                switch existing.state {
                case .invited: throw .conflict("\(org) is already invited to session \(id)", .alreadyInvited)
                case .joined: throw .conflict("\(org) has already joined session \(id)", .alreadyJoined)
                case .left, .removed: break  // a fresh invitation brings it back
                }
            }
            next.upsertParticipant(SessionParticipant(org: org, role: role, state: .invited, invitedBy: actor, since: now))

        case .join:
            // `permit` has checked that the actor is invited, has left, or has authority.
            if let me = participant(actor) {
                detail["rejoin"] = .bool(me.state == .left)
                next.upsertParticipant(SessionParticipant(org: actor, role: me.role, state: .joined, invitedBy: me.invitedBy, since: now))
            } else {
                detail["ownAuthority"] = true
                next.upsertParticipant(SessionParticipant(org: actor, role: .participant, state: .joined, invitedBy: nil, since: now))
            }

        case .leave:
            // `permit` has checked that the actor has joined and is not the host.
            guard var me = participant(actor) else {
                throw .conflict("\(actor) has not joined session \(id), so it cannot leave it", .notJoined)
            }
            me.state = .left
            me.since = now
            next.upsertParticipant(me)
            // A party that has left no longer publishes into the session.
            if isAttached(.hall(actor)) { next.detach([.hall(actor)], into: &detail) }

        case .remove(let org):
            guard org != actor else {
                throw .conflict("the host cannot remove itself; hand command over or close the session", .hostCannotLeave)
            }
            guard var them = participant(org) else {
                throw .notFound("\(org.prefix(80)) is not in session \(id)")
            }
            guard them.state == .invited || them.state == .joined else {
                throw .conflict("\(org) has already \(them.state == .left ? "left" : "been removed from") session \(id)")
            }
            // Removing a command centre with authority over the scene would be pointless (it could
            // rejoin on that authority) and would invert the chain of command.
            guard !context.directory.jurisdiction(of: org, containsArea: incidentArea) else {
                throw .forbidden("\(org) has authority over \(incidentArea); it cannot be removed, it may only leave", .hasAuthority)
            }
            them.state = .removed
            them.since = now
            next.upsertParticipant(them)
            if isAttached(.hall(org)) { next.detach([.hall(org)], into: &detail) }

        case .escalate(let grade):
            var incident = context.incident
            guard grade != incident.grade else {
                throw .conflict("incident \(incident.id) is already grade \(grade.rawValue)", .gradeUnchanged)
            }
            guard grade > incident.grade else {
                throw .conflict("grades are never lowered: incident \(incident.id) is grade \(incident.grade.rawValue), \(grade.rawValue) is lower", .gradeNotLowered)
            }
            let (invited, unresolved) = next.inviteByGrade(
                levels: context.rules.levels(raisingFrom: incident.grade, to: grade),
                incident: incident, directory: context.directory, now: now)
            detail["from"] = .string(incident.grade.rawValue)
            detail["invited"] = .array(invited.map(AuditValue.string))
            if !unresolved.isEmpty { detail["unresolvedLevels"] = .array(unresolved.map { .string($0.rawValue) }) }
            incident.grade = grade
            changedIncident = incident

        case .handover(let to, let note):
            let trimmed = note.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else {
                throw .invalid("a handover needs a note saying why command changes hands")
            }
            guard note.count <= Self.maximumNoteLength else {
                throw .invalid("a handover note is at most \(Self.maximumNoteLength) characters, got \(note.count)")
            }
            guard to != host else {
                throw .conflict("\(to) already holds command of session \(id)")
            }
            guard let target = context.directory.organisation(id: to) else {
                throw .notFound("no organisation '\(to.prefix(80))'")
            }
            guard target.level.commandRank != nil, target.jurisdictionContains(areaCode: incidentArea) else {
                throw .forbidden("command of incident \(context.incident.id) passes only along its chain (its township, county and city halls); \(to) is not in it", .notInChain)
            }
            // Command goes only to someone present: a hall that has not joined cannot see the scene.
            guard var them = participant(to), them.state == .joined else {
                throw .conflict("\(to) must join session \(id) before it can take command", .notJoined)
            }
            them.role = .participant  // an observer handed command takes part from then on
            them.since = now
            next.upsertParticipant(them)
            next.host = to
            detail["from"] = .string(actor)

        case .close:
            next.detach(feeds.map(\.path), into: &detail)
            next.state = .closed
            next.closedAt = now
        }
        return TransitionOutcome(session: next, incident: changedIncident, detail: detail)
    }

    // MARK: - helpers

    private mutating func upsertParticipant(_ participant: SessionParticipant) {
        if let index = participants.firstIndex(where: { $0.org == participant.org }) {
            participants[index] = participant
        } else {
            participants.append(participant)
        }
    }

    /// Detaches `paths`, clearing the focus if it was among them, and notes both in `detail`.
    private mutating func detach(_ paths: [SourcePath], into detail: inout [String: AuditValue]) {
        let gone = Set(paths)
        feeds.removeAll { gone.contains($0.path) }
        detail["detached"] = .array(paths.map { .string($0.description) })
        if let focus, gone.contains(focus) {
            self.focus = nil
            detail["focusCleared"] = .string(focus.description)
        }
    }

    /// Invites the command centres of `levels` over the incident's area, skipping the host and
    /// anyone already invited or joined. Returns who was invited and which levels had no centre.
    private mutating func inviteByGrade(
        levels: [OrganisationLevel], incident: Incident, directory: any OrganisationDirectory, now: Date
    ) -> (invited: [String], unresolved: [OrganisationLevel]) {
        var invited: [String] = []
        var unresolved: [OrganisationLevel] = []
        for level in levels {
            guard let centre = directory.commandCentre(level: level, containing: incident.location.areaCode) else {
                unresolved.append(level)
                continue
            }
            if centre.id == host { continue }
            if let existing = participant(centre.id), existing.state == .invited || existing.state == .joined { continue }
            upsertParticipant(SessionParticipant(org: centre.id, role: .participant, state: .invited, invitedBy: "escalation", since: now))
            invited.append(centre.id)
        }
        return (invited, unresolved)
    }
}
