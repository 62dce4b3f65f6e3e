import Foundation
import HTTPTypes
import Hummingbird
import JointReporting
import RelayRequests

extension ReportingController {
    func addIncidentRoutes(to api: RouterGroup<Context>) {
        api.post("incidents") { request, context in
            let actor = try await actor(request, context, command: "incident.create")
            let key = try await idempotencyKey(request, command: "incident.create", actor: actor)
            let body = try await body(ReportingBody.NewIncident.self, request, command: "incident.create", actor: actor)
            guard let category = IncidentCategory(rawValue: body.category) else {
                let allowed = IncidentCategory.allCases.map(\.rawValue).joined(separator: ", ")
                throw await refuse(.invalid, "'\(body.category.prefix(40))' is not a category; expected one of \(allowed)",
                                   command: "incident.create", actor: actor, arguments: ["category": .string(String(body.category.prefix(40)))])
            }
            let grade: IncidentGrade
            do throws(ReportingError) {
                grade = try IncidentGrade(parsing: body.grade)
            } catch {
                throw await refuse(error.code, error.message, command: "incident.create", actor: actor,
                                   arguments: ["grade": .string(String(body.grade.prefix(20)))])
            }
            let incident = try await domain { () async throws(ReportingError) in
                try await coordinator.createIncident(
                    villageCode: body.villageCode, townshipCode: body.townshipCode, category: category, grade: grade,
                    title: body.title, firstReport: body.report, by: actor, idempotencyKey: key)
            }
            return try await incidentResponse(incident.id, as: .organisation(actor), status: .created)
        }

        api.get("incidents") { request, context in
            let viewer = try await reader(request, context).viewer
            let state = request.uri.queryParameters.get("state")
            guard state == nil || state == "open" || state == "closed" else {
                throw APIError(.unprocessableContent, "state is 'open' or 'closed'")
            }
            var views: [ReportingResponse.IncidentView] = []
            for incident in await coordinator.incidents(visibleTo: viewer) {
                let view = try await incidentView(incident.id, as: viewer)
                if state == nil || view.state == state { views.append(view) }
            }
            return try Self.json(ReportingResponse.IncidentList(incidents: views))
        }

        api.get("incidents/{id}") { request, context in
            let viewer = try await reader(request, context).viewer
            return try await incidentResponse(try context.parameters.require("id"), as: viewer)
        }

        api.post("incidents/{id}/reports") { request, context in
            let id = try context.parameters.require("id")
            let actor = try await actor(request, context, command: "incident.report")
            let body = try await body(ReportingBody.Report.self, request, command: "incident.report", actor: actor, incidentId: id)
            guard let stage = ReportStageKind(rawValue: body.stage) else {
                throw await refuse(.invalid, "'\(body.stage.prefix(20))' is not a report stage; expected first, followup or final",
                                   command: "incident.report", actor: actor, incidentId: id,
                                   arguments: ["stage": .string(String(body.stage.prefix(20)))])
            }
            _ = try await domain { () async throws(ReportingError) in
                try await coordinator.fileReport(incidentId: id, stage: stage, text: body.text, by: actor)
            }
            return try await incidentResponse(id, as: .organisation(actor), status: .created)
        }

        api.post("incidents/{id}/sessions") { request, context in
            let id = try context.parameters.require("id")
            let actor = try await actor(request, context, command: "session.create")
            let key = try await idempotencyKey(request, command: "session.create", actor: actor, incidentId: id)
            let session = try await domain { () async throws(ReportingError) in
                try await coordinator.openSession(incidentId: id, by: actor, idempotencyKey: key)
            }
            // A repeated request gets the answer the first one got (201 and the resource, as it
            // stands now): the client cannot tell a retry from the first try, and need not.
            return try Self.json(await sessionView(session, for: .organisation(actor), actsAs: actor), status: .created)
        }

        api.get("incidents/{id}/events") { request, context in
            let viewer = try await reader(request, context).viewer
            let id = try context.parameters.require("id")
            let events = try await domain { () async throws(ReportingError) in
                try await coordinator.events(ofIncident: id, as: viewer)
            }
            return try Self.json(ReportingResponse.EventList(events: events))
        }
    }

    func incidentView(_ id: String, as viewer: Viewer) async throws -> ReportingResponse.IncidentView {
        var view = try await domain { () async throws(ReportingError) in
            let incident = try await coordinator.incident(id: id, as: viewer)
            let status = try await coordinator.reportingStatus(incidentId: id, as: viewer)
            let sessions = try await coordinator.sessions(ofIncident: id, as: viewer)
            return ReportingResponse.IncidentView(incident, status: status, sessions: sessions)
        }
        view.reporterName = coordinator.directory.name(ofOrganisation: view.reporter)
        if let place = view.villageCode ?? view.townshipCode { view.placeName = await coordinator.directory.areaName(place) }
        return view
    }

    func incidentResponse(_ id: String, as viewer: Viewer, status: HTTPResponse.Status = .ok) async throws -> Response {
        try Self.json(try await incidentView(id, as: viewer), status: status)
    }
}
