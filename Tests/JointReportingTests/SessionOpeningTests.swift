import Foundation
import Testing
import JointReporting

@Suite("Opening a session")
struct SessionOpeningTests {
    @Test func townshipOpensForItsIncident() async throws {
        let f = try await Fixture.make()
        let (incident, session) = try await f.session()
        #expect(session.id == "ses-000001")
        #expect(session.incidentId == incident.id)
        #expect(session.state == .open)
        #expect(session.host == Org.township)
        #expect(session.participants.map(\.org) == [Org.township])
        #expect(session.participants.first?.state == .joined)
        let event = try #require(await f.lastEvent())
        #expect(event.kind == .sessionCreated)
        #expect(event.sessionId == session.id && event.incidentId == incident.id)
        #expect(await f.store.sessions[session.id] == session)
    }

    @Test func gradeIIIncidentOpensWithCountyAndCityInvited() async throws {
        let f = try await Fixture.make()
        let (_, session) = try await f.session(grade: .ii)
        #expect(session.participant(Org.county)?.state == .invited)
        #expect(session.participant(Org.city)?.state == .invited)
        #expect(session.participant(Org.county)?.invitedBy == "escalation")
        #expect(try #require(await f.lastEvent()).detail["invited"] == [.string(Org.county), .string(Org.city)])
    }

    struct OpenCase: Sendable, CustomTestStringConvertible {
        var name: String
        var actor: String
        var code: ReportingError.Code
        var testDescription: String { name }
    }

    @Test(arguments: [
        OpenCase(name: "the county is not a township", actor: Org.county, code: .forbidden),
        OpenCase(name: "the city is not a township", actor: Org.city, code: .forbidden),
        OpenCase(name: "another township cannot see the incident", actor: Org.otherTownship, code: .notFound),
        OpenCase(name: "a department cannot see the incident", actor: Org.water, code: .notFound),
        OpenCase(name: "another county cannot see the incident", actor: Org.otherCounty, code: .notFound),
    ])
    func refusals(_ c: OpenCase) async throws {
        let f = try await Fixture.make()
        let incident = try await f.incident()
        let error = await refusal { _ = try await f.coordinator.openSession(incidentId: incident.id, by: c.actor) }
        #expect(error?.code == c.code, "\(error?.description ?? "accepted")")
        let event = try #require(await f.lastEvent())
        #expect(event.kind == .refused && event.detail["command"] == "session.create")
        #expect(event.incidentId == incident.id)
    }

    @Test func oneOpenSessionPerIncident() async throws {
        let f = try await Fixture.make()
        let (incident, first) = try await f.session()
        let error = await refusal { _ = try await f.coordinator.openSession(incidentId: incident.id, by: Org.township) }
        #expect(error?.code == .conflict)
        #expect(error?.message.contains(first.id) == true)
        try await f.run(.close, on: first.id, by: Org.township)
        let second = try await f.coordinator.openSession(incidentId: incident.id, by: Org.township)
        #expect(second.id == "ses-000002")
    }

    @Test func unknownIncident() async throws {
        let f = try await Fixture.make()
        let error = await refusal { _ = try await f.coordinator.openSession(incidentId: "inc-000042", by: Org.township) }
        #expect(error?.code == .notFound)
    }
}
