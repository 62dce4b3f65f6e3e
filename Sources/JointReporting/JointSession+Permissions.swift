import Foundation

/// Who may take which action on a session, whatever the action's arguments: the table of
/// `SessionCommand`, written once. `applying(_:by:in:)` asks it before anything else, and
/// `actions(for:in:)` asks it for every action to tell a caller what it may do; one function
/// decides both, so a control the console shows is never refused for who the caller is.
extension JointSession {
    /// Throws why `actor` may not take `action` on this session now, or returns.
    ///
    /// Checks run in the order the state machine documents: closed session, unknown actor, who
    /// may act. What depends on the arguments (which feed, which organisation, which grade) is
    /// checked afterwards by `applying`.
    public func permit(_ action: SessionAction, by actor: String, in context: TransitionContext) throws(ReportingError) {
        if action == .report {
            // Reporting continues after a session closes: it belongs to the incident.
            try Self.permitReport(on: context.incident, by: actor, openSessionHost: context.openSessionHost ?? (state == .open ? host : nil),
                                  directory: context.directory)
            return
        }
        guard state == .open else {
            throw .conflict("session \(id) is closed; a closed session can only be read", .sessionClosed)
        }
        guard let actorOrg = context.directory.organisation(id: actor) else {
            throw .forbidden("'\(actor.prefix(80))' is not a registered organisation")
        }
        let me = participant(actor)
        let isHost = actor == host
        let incidentArea = context.incident.location.areaCode

        switch action {
        case .attach:
            // The host attaches rooms and cameras; a joined participant its own hall camera.
            guard !isHost else { return }
            guard let me, me.state == .joined else {
                throw .forbidden("\(actor) must join session \(id) before publishing its hall camera into it", .notJoined)
            }
            guard me.role == .participant else {
                throw .forbidden("\(actor) is an observer; observers watch but do not publish into the session", .observer)
            }

        case .detach:
            // A participant (not an observer, which never publishes) may detach its own hall.
            guard isHost || (me?.state == .joined && me?.role == .participant) else {
                throw .forbidden("only the host (\(host)) detaches feeds; a participant may detach only its own hall", .notHost)
            }

        case .focus:
            guard isHost else { throw .forbidden("only the host (\(host)) calls the roll", .notHost) }

        case .invite:
            guard isHost else { throw .forbidden("only the host (\(host)) invites organisations", .notHost) }

        case .remove:
            guard isHost else { throw .forbidden("only the host (\(host)) removes organisations", .notHost) }

        case .handover:
            guard isHost else { throw .forbidden("only the host (\(host)) hands command over", .notHost) }

        case .close:
            guard isHost else { throw .forbidden("only the host (\(host)) closes the session", .notHost) }

        case .join:
            if let me {
                switch me.state {
                case .joined:
                    throw .conflict("\(actor) has already joined session \(id)", .alreadyJoined)
                case .removed:
                    throw .forbidden("\(actor) was removed from session \(id) by the host; only a new invitation lets it back", .removedFromSession)
                case .invited, .left:
                    return
                }
            }
            // "Join on their own authority" (DOMAIN.md, step 3): the command centres whose
            // jurisdiction contains the scene need no invitation. Departments never have it.
            guard actorOrg.level.commandRank != nil, actorOrg.jurisdictionContains(areaCode: incidentArea) else {
                throw .forbidden("\(actor) is not invited to session \(id) and has no authority over \(incidentArea)", .notInvited)
            }

        case .leave:
            guard !isHost else {
                throw .conflict("\(actor) hosts session \(id); hand command over before leaving, or close the session", .hostCannotLeave)
            }
            guard me?.state == .joined else {
                throw .conflict("\(actor) has not joined session \(id), so it cannot leave it", .notJoined)
            }

        case .escalate:
            let hostLevel = context.directory.organisation(id: host)?.level
            let senior = me?.state == .joined && hostLevel.map { actorOrg.level.isSenior(to: $0) } == true
            guard isHost || senior else {
                throw .forbidden("only the host (\(host)) or a joined command centre senior to it may raise the grade", .notHost)
            }
            guard let highest = IncidentGrade.allCases.max(), context.incident.grade < highest else {
                throw .conflict("incident \(context.incident.id) is already grade \(context.incident.grade.rawValue), the highest", .gradeHighest)
            }

        case .report:
            break  // decided above
        }
    }

    /// Who may file a report on `incident`: the command centres whose jurisdiction contains it,
    /// and the host of its open session (a senior centre after a handover). The one rule for
    /// `SessionCoordinator.fileReport` and for the `report` action.
    public static func permitReport(
        on incident: Incident, by actor: String, openSessionHost: String?, directory: any OrganisationDirectory
    ) throws(ReportingError) {
        guard directory.jurisdiction(of: actor, containsArea: incident.location.areaCode) || openSessionHost == actor else {
            throw .forbidden("\(actor) may follow incident \(incident.id) but not report on it; reports come from the command centres responsible for the place or the session host", .mayNotReport)
        }
    }

    /// The actions `actor` may take on this session now, in `SessionAction` order: those
    /// `permit(_:by:in:)` lets through.
    public func actions(for actor: String, in context: TransitionContext) -> [SessionAction] {
        SessionAction.allCases.filter { action in
            do throws(ReportingError) {
                try permit(action, by: actor, in: context)
                return true
            } catch {
                return false
            }
        }
    }

    /// What `actor` may do to each attached feed (`focus`, `detach`) and to each participant
    /// (`remove`, `handover`) now: the commands `applying` accepts, tried on this value (nothing is
    /// applied), so a per-item control is never refused for its target either. A handover is
    /// tried with a placeholder note: the note is the person's to write.
    public func targetActions(for actor: String, in context: TransitionContext) -> TargetActions {
        func accepted(_ command: SessionCommand) -> Bool {
            do throws(ReportingError) {
                _ = try applying(command, by: actor, in: context)
                return true
            } catch {
                return false
            }
        }
        var result = TargetActions()
        for feed in feeds {
            let path = feed.path.description
            result.feeds[path] = [SessionCommand.focus(path: path), .detach(path: path)].filter(accepted).map(\.action)
        }
        for participant in participants {
            result.participants[participant.org] =
                [SessionCommand.remove(org: participant.org), .handover(to: participant.org, note: "-")].filter(accepted).map(\.action)
        }
        return result
    }

    /// Actions on one feed or participant, by feed path and organisation id.
    public struct TargetActions: Sendable, Hashable {
        public var feeds: [String: [SessionAction]] = [:]
        public var participants: [String: [SessionAction]] = [:]

        public init(feeds: [String: [SessionAction]] = [:], participants: [String: [SessionAction]] = [:]) {
            self.feeds = feeds
            self.participants = participants
        }
    }
}
