import Foundation
import Hummingbird
import JointReporting
import RelayRequests

extension ReportingController {
    func addSessionRoutes(to api: RouterGroup<Context>) {
        api.get("sessions") { request, context in
            let caller = try await reader(request, context)
            let stateText = request.uri.queryParameters.get("state")
            var state: SessionState?
            if let stateText {
                guard let parsed = SessionState(rawValue: stateText) else {
                    throw APIError(.unprocessableContent, "state is 'open' or 'closed'")
                }
                state = parsed
            }
            var views: [ReportingResponse.SessionView] = []
            for session in await coordinator.sessions(visibleTo: caller.viewer, state: state) {
                views.append(await sessionView(session, for: caller, actsAs: actingOrganisation(context)))
            }
            return try Self.json(ReportingResponse.SessionList(sessions: views))
        }

        api.get("sessions/{id}") { request, context in
            let caller = try await reader(request, context)
            let id = try context.parameters.require("id")
            let session = try await domain { () async throws(ReportingError) in
                try await coordinator.session(id: id, as: caller.viewer)
            }
            return try Self.json(await sessionView(session, for: caller, actsAs: actingOrganisation(context)))
        }

        command(.feedAttached, "sessions/{id}/feeds", on: api) { request, _, id, actor in
            let body = try await body(ReportingBody.Feed.self, request, command: AuditKind.feedAttached.rawValue, actor: actor, sessionId: id)
            return .attach(path: body.path)
        }
        command(.feedDetached, "sessions/{id}/feeds/**", method: .delete, on: api) { _, context, _, _ in
            let path = context.parameters.getCatchAll().joined(separator: "/")
            return .detach(path: path.removingPercentEncoding ?? path)
        }
        command(.focusChanged, "sessions/{id}/focus", on: api) { request, _, id, actor in
            let body = try await body(ReportingBody.Focus.self, request, command: AuditKind.focusChanged.rawValue, actor: actor, sessionId: id)
            return .focus(path: body.path)
        }
        command(.invited, "sessions/{id}/invitations", on: api) { request, _, id, actor in
            let command = AuditKind.invited.rawValue
            let body = try await body(ReportingBody.Invitation.self, request, command: command, actor: actor, sessionId: id)
            guard let role = ParticipantRole(rawValue: body.role ?? ParticipantRole.participant.rawValue) else {
                throw await refuse(.invalid, "'\((body.role ?? "").prefix(20))' is not a role; expected participant or observer",
                                   command: command, actor: actor, sessionId: id, arguments: ["org": .string(String(body.org.prefix(80)))])
            }
            return .invite(org: body.org, role: role)
        }
        command(.removed, "sessions/{id}/participants/{org}", method: .delete, on: api) { _, context, _, _ in
            .remove(org: try context.parameters.require("org"))
        }
        command(.joined, "sessions/{id}/join", on: api) { _, _, _, _ in .join }
        command(.left, "sessions/{id}/leave", on: api) { _, _, _, _ in .leave }
        command(.closed, "sessions/{id}/close", on: api) { _, _, _, _ in .close }
        command(.escalated, "sessions/{id}/escalations", on: api) { request, _, id, actor in
            let command = AuditKind.escalated.rawValue
            let body = try await body(ReportingBody.Escalation.self, request, command: command, actor: actor, sessionId: id)
            let grade: IncidentGrade
            do throws(ReportingError) {
                grade = try IncidentGrade(parsing: body.grade)
            } catch {
                throw await refuse(error.code, error.message, command: command, actor: actor, sessionId: id,
                                   arguments: ["grade": .string(String(body.grade.prefix(20)))])
            }
            return .escalate(to: grade)
        }
        command(.handedOver, "sessions/{id}/handover", on: api) { request, _, id, actor in
            let body = try await body(ReportingBody.Handover.self, request, command: AuditKind.handedOver.rawValue, actor: actor, sessionId: id)
            return .handover(to: body.to, note: body.note)
        }
    }

    /// A session command route: authenticate the actor, build the command (reading the body if
    /// any), let the coordinator apply it, answer with the session as the actor now sees it.
    private func command(
        _ kind: AuditKind, _ path: RouterPath, method: HTTPRequest.Method = .post, on api: RouterGroup<Context>,
        _ make: @escaping @Sendable (Request, Context, String, String) async throws -> SessionCommand
    ) {
        api.on(path, method: method) { request, context in
            let id = try context.parameters.require("id")
            let actor = try await actor(request, context, command: kind.rawValue)
            let command = try await make(request, context, id, actor)
            let session = try await domain { () async throws(ReportingError) in
                try await coordinator.perform(command, on: id, by: actor)
            }
            return try Self.json(await sessionView(session, for: .organisation(actor), actsAs: actor))
        }
    }

    /// The session as `caller` sees it: every feed with an HLS URL the caller can play (a fresh
    /// viewer token), or none where the caller may know of the feed but not watch it.
    /// `actsAs` is the organisation whose actions to list: the caller when it holds an
    /// organisation token, `nil` for the admin and for viewer tokens (they only read).
    func sessionView(_ session: JointSession, for caller: Caller, actsAs: String? = nil) async -> ReportingResponse.SessionView {
        let actions = if let actsAs { await coordinator.actions(onSession: session.id, for: actsAs) } else { [SessionAction]() }
        let targets = if let actsAs { await coordinator.targetActions(onSession: session.id, for: actsAs) } else { JointSession.TargetActions() }
        let incident = try? await coordinator.incident(id: session.incidentId, as: .admin)
        let directory = coordinator.directory
        var names: [String: String] = [:]
        for feed in session.feeds { names[feed.path.description] = await directory.displayName(of: feed.path) }
        var placeCode: String?
        switch incident?.location {
        case .village(let code)?: placeCode = code
        case .township(let code)?: placeCode = code
        case nil: placeCode = nil
        }
        let placeName = if let placeCode { await directory.areaName(placeCode) } else { String?.none }
        let feedPaths = Set(session.feeds.map(\.path.description))
        let feeds = session.feeds.map { feed in
            let path = feed.path.description
            let playable: Bool
            switch caller {
            case .admin: playable = true
            case .organisation(let org): playable = coordinator.canView(org: org, path: feed.path)
            }
            return ReportingResponse.FeedView(
                path: path, name: names[path], hlsUrl: playable ? context.hlsURL(path, for: caller.viewer) : nil,
                attachedBy: feed.attachedBy, attachedAt: feed.attachedAt, focus: session.focus == feed.path,
                actions: (targets.feeds[path] ?? []).map(\.rawValue))
        }
        return ReportingResponse.SessionView(
            id: session.id, incidentId: session.incidentId, state: session.state.rawValue, host: session.host,
            hostName: directory.name(ofOrganisation: session.host), grade: incident?.grade.rawValue,
            title: incident?.title, category: incident?.category.rawValue, placeCode: placeCode, placeName: placeName,
            participants: session.participants.map {
                ReportingResponse.ParticipantView(org: $0.org, name: directory.name(ofOrganisation: $0.org),
                                                  online: context.presence.isOnline($0.org),
                                                  watching: context.presence.watched(by: $0.org).filter(feedPaths.contains),
                                                  role: $0.role.rawValue, state: $0.state.rawValue,
                                                  invitedBy: $0.invitedBy, since: $0.since,
                                                  actions: (targets.participants[$0.org] ?? []).map(\.rawValue))
            },
            feeds: feeds, focus: session.focus?.description, createdAt: session.createdAt, closedAt: session.closedAt,
            actions: actions.map(\.rawValue))
    }
}
