import Foundation

extension SessionCoordinator {
    /// Longest incident title accepted.
    public static let maximumTitleLength = 200

    /// Opens an incident. Any command centre whose jurisdiction contains the place may open one
    /// (normally the township that received the report); departments may not. The village (or
    /// township) must be registered. With `firstReport`, the first report is filed at once, as the
    /// REST call `POST /incidents {…, report}` does.
    ///
    /// With `idempotencyKey`, a request repeated by the same organisation with the same key (a
    /// double click, a retry after a lost answer) returns the incident the first one created, as
    /// it stands now, and creates nothing; the same key with a different request is refused.
    public func createIncident(
        villageCode: String?, townshipCode: String? = nil, category: IncidentCategory, grade: IncidentGrade,
        title: String, firstReport: String?, by actor: String, idempotencyKey: String? = nil
    ) async throws(ReportingError) -> Incident {
        await enterGate()
        defer { leaveGate() }
        let now = clock.now()
        var arguments: [String: AuditValue] = [
            "villageCode": AuditValue(villageCode.map { String($0.prefix(40)) }),
            "townshipCode": AuditValue(townshipCode.map { String($0.prefix(40)) }),
            "category": .string(category.rawValue), "grade": .string(grade.rawValue),
            "title": .string(String(title.prefix(Self.maximumTitleLength))),
        ]
        do throws(ReportingError) {
            var request = arguments
            request["firstReport"] = AuditValue(firstReport)
            if let id = try idempotentReplay("incident", actor: actor, key: idempotencyKey, request: Self.incidentRequest(request)),
               let incident = incidents[id] {
                return incident
            }
            guard let actorOrg = directory.organisation(id: actor) else {
                throw ReportingError.forbidden("'\(actor.prefix(80))' is not a registered organisation")
            }
            let location = try IncidentLocation(villageCode: villageCode, townshipCode: townshipCode)
            let trimmedTitle = title.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmedTitle.isEmpty, title.count <= Self.maximumTitleLength else {
                throw ReportingError.invalid("an incident title is 1-\(Self.maximumTitleLength) characters, got \(title.count)")
            }
            guard actorOrg.level.commandRank != nil, actorOrg.jurisdictionContains(areaCode: location.areaCode) else {
                throw ReportingError.forbidden("\(actor) has no authority over \(location.areaCode); incidents are opened by the command centres responsible for the place", .outsideJurisdiction)
            }
            switch location {
            case .village(let code):
                guard catalog.exists(.room(code)) else { throw ReportingError.notFound("no registered village \(code)") }
            case .township(let code):
                guard directory.commandCentre(level: .township, containing: code)?.areaCode == code else {
                    throw ReportingError.notFound("no registered township \(code)")
                }
            }
            var incident = Incident(
                id: Self.identifier("inc-", nextIncidentNumber), category: category, grade: grade,
                location: location, title: title, reporter: actor, createdAt: now)
            if let firstReport {
                incident.reports.append(try incident.nextReport(.first, text: firstReport, author: actor, at: now))
                arguments["firstReport"] = .string(firstReport)
            }
            var detail = arguments
            if let idempotencyKey { detail[Self.idempotencyKeyField] = .string(idempotencyKey) }
            try await commit(.incidentCreated, at: now, actor: actor, sessionId: nil, incidentId: incident.id,
                             detail: detail, incident: incident)
            if let idempotencyKey {
                idempotentCreations[Self.idempotencyIndex("incident", actor: actor, key: idempotencyKey)] =
                    IdempotentCreation(resource: incident.id, request: Self.incidentRequest(detail))
            }
            nextIncidentNumber += 1
            return incident
        } catch {
            arguments["firstReport"] = firstReport.map { .string(String($0.prefix(200))) } ?? .null
            await appendRefusal(error, command: "incident.create", at: now, actor: actor, sessionId: nil,
                                incidentId: nil, arguments: arguments)
            throw error
        }
    }

    /// Files a report on an incident. Allowed to command centres whose jurisdiction contains the
    /// incident and to the host of its open session (who may be a senior centre after handover).
    /// Stage rules are `Incident.nextReport`'s. Reporting continues after sessions close.
    public func fileReport(incidentId: String, stage: ReportStageKind, text: String, by actor: String) async throws(ReportingError) -> Incident {
        await enterGate()
        defer { leaveGate() }
        let now = clock.now()
        let known = incidents[incidentId]
        let arguments: [String: AuditValue] = [
            "stage": .string(stage.rawValue), "text": .string(String(text.prefix(Incident.maximumReportLength))),
        ]
        do throws(ReportingError) {
            guard let incident = known, canSee(incident: incident, org: actor) else {
                throw ReportingError.notFound("no incident '\(incidentId.prefix(80))'")
            }
            try JointSession.permitReport(on: incident, by: actor, openSessionHost: openSessionByIncident[incidentId].flatMap { sessions[$0] }?.host,
                                          directory: directory)
            let report = try incident.nextReport(stage, text: text, author: actor, at: now)
            var updated = incident
            updated.reports.append(report)
            var detail = arguments
            detail["stage"] = .string(report.stage.kind.rawValue)
            if case .followUp(let number) = report.stage { detail["number"] = .int(Int64(number)) }
            try await commit(.reportFiled, at: now, actor: actor, sessionId: nil, incidentId: incidentId,
                             detail: detail, incident: updated)
            return updated
        } catch {
            var refused = arguments
            refused["text"] = .string(String(text.prefix(200)))
            if known == nil { refused["incident"] = .string(String(incidentId.prefix(80))) }
            await appendRefusal(error, command: "incident.report", at: now, actor: actor, sessionId: nil,
                                incidentId: known?.id, arguments: refused)
            throw error
        }
    }
}
