import Foundation
import Testing
import JointReporting

@Suite("Escalation")
struct EscalationTests {
    @Test func ivToIIIToIInvitesCountyThenCity() async throws {
        let f = try await Fixture.make()
        let (incident, s) = try await f.session()
        var session = try await f.run(.escalate(to: .iii), on: s.id, by: Org.township)
        #expect(session.participant(Org.county)?.state == .invited)
        #expect(session.participant(Org.county)?.invitedBy == "escalation")
        #expect(session.participant(Org.city) == nil)
        var event = try #require(await f.lastEvent())
        #expect(event.kind == .escalated)
        #expect(event.detail["from"] == "IV" && event.detail["grade"] == "III")
        #expect(event.detail["invited"] == [.string(Org.county)])
        #expect(try await f.coordinator.incident(id: incident.id, as: .admin).grade == .iii)
        #expect(await f.store.incidents[incident.id]?.grade == .iii, "grade persisted with the event")

        session = try await f.run(.escalate(to: .i), on: s.id, by: Org.township)
        #expect(session.participant(Org.city)?.state == .invited)
        event = try #require(await f.lastEvent())
        #expect(event.detail["invited"] == [.string(Org.city)], "the county was already invited")
        #expect(try await f.coordinator.incident(id: incident.id, as: .admin).grade == .i)
    }

    @Test func skippingLevelsBringsBoth() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        let session = try await f.run(.escalate(to: .i), on: s.id, by: Org.township)
        #expect(session.participant(Org.county)?.state == .invited)
        #expect(session.participant(Org.city)?.state == .invited)
        #expect(try #require(await f.lastEvent()).detail["invited"] == [.string(Org.county), .string(Org.city)])
    }

    @Test func joinedCentresAreNotReinvited() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        try await f.run(.join, on: s.id, by: Org.county)
        let session = try await f.run(.escalate(to: .ii), on: s.id, by: Org.township)
        #expect(session.participant(Org.county)?.state == .joined)
        #expect(try #require(await f.lastEvent()).detail["invited"] == [.string(Org.city)])
    }

    @Test func seniorJoinedParticipantMayEscalate() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        try await f.run(.join, on: s.id, by: Org.county)
        let session = try await f.run(.escalate(to: .ii), on: s.id, by: Org.county)
        #expect(session.participant(Org.city)?.state == .invited)
        #expect(try #require(await f.lastEvent()).actor == Org.county)
    }

    @Test func configuredRules() async throws {
        // A locality that wants the city hall in from grade III on.
        let rules = EscalationRules(invites: [.iii: [.county, .city]])
        let f = try await Fixture.make(rules: rules)
        let (_, s) = try await f.session()
        let session = try await f.run(.escalate(to: .iii), on: s.id, by: Org.township)
        #expect(session.participant(Org.city)?.state == .invited)
    }
}
