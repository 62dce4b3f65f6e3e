import Foundation
import Testing
import JointReporting

@Suite("Incidents and reports")
struct IncidentTests {
    @Test func createWithFirstReport() async throws {
        let f = try await Fixture.make()
        let incident = try await f.incident(grade: .iii)
        #expect(incident.id == "inc-000001")
        #expect(incident.grade == .iii)
        #expect(incident.location == .village("520602001201"))
        #expect(incident.reporter == Org.township)
        #expect(incident.reports.map(\.stage) == [.first])
        let event = try #require(await f.lastEvent())
        #expect(event.kind == .incidentCreated)
        #expect(event.incidentId == incident.id)
        #expect(event.detail["firstReport"] == "landslide blocks the road")
        #expect(await f.store.incidents[incident.id] == incident)
    }

    @Test func createByTownshipCode() async throws {
        let f = try await Fixture.make()
        let incident = try await f.coordinator.createIncident(
            villageCode: nil, townshipCode: "520602001", category: .accident, grade: .iv,
            title: "Bus off the road", firstReport: nil, by: Org.county)
        #expect(incident.location == .township("520602001"))
        #expect(incident.reports.isEmpty)
    }

    struct CreateCase: Sendable, CustomTestStringConvertible {
        var name: String
        var village: String?
        var township: String?
        var title = "Flood"
        var report: String? = nil
        var actor = Org.township
        var code: ReportingError.Code
        var testDescription: String { name }
    }

    @Test(arguments: [
        CreateCase(name: "department has no authority", village: "520602001201", actor: Org.water, code: .forbidden),
        CreateCase(name: "another county has no authority", village: "520602001201", actor: Org.otherCounty, code: .forbidden),
        CreateCase(name: "another township has no authority", village: "520602001201", actor: Org.otherTownship, code: .forbidden),
        CreateCase(name: "unknown actor", village: "520602001201", actor: "nobody", code: .forbidden),
        CreateCase(name: "village code too short", village: "52060200120", code: .invalid),
        CreateCase(name: "both codes", village: "520602001201", township: "520602001", code: .invalid),
        CreateCase(name: "no location", code: .invalid),
        CreateCase(name: "unregistered village", village: "520602001999", code: .notFound),
        CreateCase(name: "unregistered township", township: "520602009", actor: Org.county, code: .notFound),
        CreateCase(name: "empty title", village: "520602001201", title: "  ", code: .invalid),
        CreateCase(name: "huge title", village: "520602001201", title: String(repeating: "x", count: 201), code: .invalid),
        CreateCase(name: "empty first report", village: "520602001201", report: " \n", code: .invalid),
    ])
    func createRefusals(_ c: CreateCase) async throws {
        let f = try await Fixture.make()
        let error = await refusal {
            _ = try await f.coordinator.createIncident(
                villageCode: c.village, townshipCode: c.township, category: .publicHealth, grade: .iv,
                title: c.title, firstReport: c.report, by: c.actor)
        }
        #expect(error?.code == c.code, "\(error?.description ?? "accepted")")
        #expect(await f.coordinator.incidents(visibleTo: .admin).isEmpty)
        let event = try #require(await f.lastEvent())
        #expect(event.kind == .refused)
        #expect(event.detail["command"] == "incident.create")
        #expect(event.detail["code"] == .string(c.code.rawValue))
    }

    @Test func reportStagesInOrder() async throws {
        let f = try await Fixture.make()
        let incident = try await f.incident()
        var updated = try await f.coordinator.fileReport(incidentId: incident.id, stage: .followup, text: "road cleared half", by: Org.township)
        updated = try await f.coordinator.fileReport(incidentId: incident.id, stage: .followup, text: "two injured", by: Org.county)
        updated = try await f.coordinator.fileReport(incidentId: incident.id, stage: .final, text: "all clear", by: Org.township)
        #expect(updated.reports.map(\.stage) == [.first, .followUp(1), .followUp(2), .final])
        #expect(updated.reports.map(\.author) == [Org.township, Org.township, Org.county, Org.township])
        let event = try #require(await f.lastEvent())
        #expect(event.kind == .reportFiled)
        #expect(event.detail["stage"] == "final")
    }

    @Test func reportRefusals() async throws {
        let f = try await Fixture.make()
        let bare = try await f.incident(report: nil)
        let r = f.coordinator
        #expect(await refusal { _ = try await r.fileReport(incidentId: bare.id, stage: .followup, text: "x", by: Org.township) }?.code == .conflict)
        #expect(await refusal { _ = try await r.fileReport(incidentId: bare.id, stage: .final, text: "x", by: Org.township) }?.code == .conflict)
        _ = try await r.fileReport(incidentId: bare.id, stage: .first, text: "first", by: Org.township)
        #expect(await refusal { _ = try await r.fileReport(incidentId: bare.id, stage: .first, text: "again", by: Org.township) }?.code == .conflict)
        #expect(await refusal { _ = try await r.fileReport(incidentId: bare.id, stage: .followup, text: "", by: Org.township) }?.code == .invalid)
        let huge = String(repeating: "x", count: Incident.maximumReportLength + 1)
        #expect(await refusal { _ = try await r.fileReport(incidentId: bare.id, stage: .followup, text: huge, by: Org.township) }?.code == .invalid)
        // Another county may not even know the incident exists.
        #expect(await refusal { _ = try await r.fileReport(incidentId: bare.id, stage: .followup, text: "x", by: Org.otherCounty) }?.code == .notFound)
        #expect(await refusal { _ = try await r.fileReport(incidentId: "inc-999999", stage: .followup, text: "x", by: Org.township) }?.code == .notFound)
        _ = try await r.fileReport(incidentId: bare.id, stage: .final, text: "done", by: Org.township)
        #expect(await refusal { _ = try await r.fileReport(incidentId: bare.id, stage: .followup, text: "late", by: Org.township) }?.code == .conflict)
        #expect(await refusal { _ = try await r.fileReport(incidentId: bare.id, stage: .final, text: "again", by: Org.township) }?.code == .conflict)
        let refusals = await r.allEvents().filter { $0.kind == .refused }
        #expect(refusals.count == 9)
        #expect(refusals.allSatisfy { $0.detail["command"] == "incident.report" })
    }

    @Test func departmentParticipantFollowsButDoesNotReport() async throws {
        let f = try await Fixture.make()
        let (incident, session) = try await f.session()
        try await f.run(.invite(org: Org.water, role: .participant), on: session.id, by: Org.township)
        try await f.run(.join, on: session.id, by: Org.water)
        #expect(try await f.coordinator.incident(id: incident.id, as: .organisation(Org.water)).id == incident.id)
        let error = await refusal { _ = try await f.coordinator.fileReport(incidentId: incident.id, stage: .followup, text: "x", by: Org.water) }
        #expect(error?.code == .forbidden)
    }

    @Test func reportingContinuesAfterSessionCloses() async throws {
        let f = try await Fixture.make()
        let (incident, session) = try await f.session()
        try await f.run(.close, on: session.id, by: Org.township)
        let updated = try await f.coordinator.fileReport(incidentId: incident.id, stage: .final, text: "closed out", by: Org.township)
        #expect(updated.hasFinalReport)
    }

    @Test func deadlinesAndOverdue() async throws {
        let f = try await Fixture.make()
        let start = f.clock.now()
        let incident = try await f.incident(report: nil)
        let status = try await f.coordinator.reportingStatus(incidentId: incident.id, as: .admin)
        #expect(status.due.first?.stage == .first)
        #expect(status.due.first?.dueAt == start.addingTimeInterval(20 * 60))
        #expect(!status.isOverdue)

        f.clock.advance(by: 20 * 60 + 1)
        #expect(try await f.coordinator.reportingStatus(incidentId: incident.id, as: .admin).isOverdue)

        _ = try await f.coordinator.fileReport(incidentId: incident.id, stage: .first, text: "late first", by: Org.township)
        var now = try await f.coordinator.reportingStatus(incidentId: incident.id, as: .admin)
        #expect(!now.isOverdue)
        #expect(now.due.map(\.stage) == [.followup, .final])
        #expect(now.due.first?.dueAt == f.clock.now().addingTimeInterval(60 * 60))

        f.clock.advance(by: 61 * 60)
        now = try await f.coordinator.reportingStatus(incidentId: incident.id, as: .admin)
        #expect(now.isOverdue)
        #expect(now.due.first { $0.stage == .followup }?.isOverdue == true)
        #expect(now.due.first { $0.stage == .final }?.isOverdue == false)

        _ = try await f.coordinator.fileReport(incidentId: incident.id, stage: .followup, text: "update", by: Org.township)
        f.clock.set(start.addingTimeInterval(24 * 3600 + 1))
        now = try await f.coordinator.reportingStatus(incidentId: incident.id, as: .admin)
        #expect(now.due.first { $0.stage == .final }?.isOverdue == true)

        _ = try await f.coordinator.fileReport(incidentId: incident.id, stage: .final, text: "done", by: Org.township)
        now = try await f.coordinator.reportingStatus(incidentId: incident.id, as: .admin)
        #expect(now.isComplete && now.due.isEmpty && !now.isOverdue)
    }

    @Test func configuredDeadlines() async throws {
        let deadlines = ReportingDeadlines(firstReportWithin: 5 * 60, followUpEvery: 30 * 60, finalReportWithin: 3600)
        let f = try await Fixture.make(deadlines: deadlines)
        let incident = try await f.incident(report: nil)
        f.clock.advance(by: 5 * 60 + 1)
        #expect(try await f.coordinator.reportingStatus(incidentId: incident.id, as: .admin).isOverdue)
        #expect(throws: ReportingError.self) { try ReportingDeadlines(firstReportWithin: 0).validated() }
    }

    @Test func gradeOrdering() throws {
        #expect(IncidentGrade.iv < .iii && IncidentGrade.iii < .ii && IncidentGrade.ii < .i)
        #expect(try IncidentGrade(parsing: "iii") == .iii)
        #expect(throws: ReportingError.self) { try IncidentGrade(parsing: "V") }
        #expect(EscalationRules.default.levels(raisingFrom: .iv, to: .iii) == [.county])
        #expect(EscalationRules.default.levels(raisingFrom: .iii, to: .i) == [.county, .city])
        #expect(EscalationRules.default.levels(raisingFrom: .iv, to: .i) == [.county, .city])
        #expect(EscalationRules.default.levels(raisingFrom: nil, to: .iv) == [])
        #expect(throws: ReportingError.self) { try EscalationRules(invites: [.iii: [.department]]).validated() }
    }
}
