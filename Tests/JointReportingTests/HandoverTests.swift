import Foundation
import Testing
import JointReporting

@Suite("Handover")
struct HandoverTests {
    @Test func upTheChainAndBack() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        try await f.run(.attach(path: Path.bodyCam), on: s.id, by: Org.township)
        try await f.run(.join, on: s.id, by: Org.county)

        var session = try await f.run(.handover(to: Org.county, note: "county takes command: road cut in two places"), on: s.id, by: Org.township)
        #expect(session.host == Org.county)
        #expect(session.participant(Org.township)?.state == .joined, "former host stays a participant")
        #expect(session.participant(Org.township)?.role == .participant)
        var event = try #require(await f.lastEvent())
        #expect(event.kind == .handedOver)
        #expect(event.detail["from"] == .string(Org.township) && event.detail["to"] == .string(Org.county))
        #expect(event.detail["note"] == "county takes command: road cut in two places")

        // The former host has lost the host's powers, the new host has them.
        #expect(await refusal { try await f.run(.attach(path: Path.room), on: s.id, by: Org.township) }?.code == .forbidden)
        #expect(await refusal { try await f.run(.close, on: s.id, by: Org.township) }?.code == .forbidden)
        try await f.run(.attach(path: Path.room2), on: s.id, by: Org.county)
        // Even as host, the county attaches only what lies in its own jurisdiction.
        #expect(await refusal { try await f.run(.attach(path: Path.otherCountyRoom), on: s.id, by: Org.county) }?.code == .forbidden)

        // The county escalates, the city joins and takes command; then hands it back down.
        try await f.run(.escalate(to: .ii), on: s.id, by: Org.county)
        try await f.run(.join, on: s.id, by: Org.city)
        session = try await f.run(.handover(to: Org.city, note: "major incident, city command"), on: s.id, by: Org.county)
        #expect(session.host == Org.city)
        session = try await f.run(.handover(to: Org.township, note: "situation stable, hand back"), on: s.id, by: Org.city)
        #expect(session.host == Org.township)
        #expect(Set(session.participants.filter { $0.state == .joined }.map(\.org)) == [Org.township, Org.county, Org.city])
        event = try #require(await f.lastEvent())
        #expect(event.detail["to"] == .string(Org.township))
        // The township, host again, may close.
        session = try await f.run(.close, on: s.id, by: Org.township)
        #expect(session.state == .closed)
    }

    @Test func observerHandedCommandBecomesParticipant() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        try await f.run(.invite(org: Org.city, role: .observer), on: s.id, by: Org.township)
        try await f.run(.join, on: s.id, by: Org.city)
        let session = try await f.run(.handover(to: Org.city, note: "city takes over"), on: s.id, by: Org.township)
        #expect(session.host == Org.city)
        #expect(session.participant(Org.city)?.role == .participant)
    }

    @Test func newHostsLeaveRuleAppliesToIt() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        try await f.run(.join, on: s.id, by: Org.county)
        try await f.run(.handover(to: Org.county, note: "n"), on: s.id, by: Org.township)
        #expect(await refusal { try await f.run(.leave, on: s.id, by: Org.county) }?.code == .conflict)
        let session = try await f.run(.leave, on: s.id, by: Org.township)
        #expect(session.participant(Org.township)?.state == .left)
        // The township may rejoin: it left of its own accord, and has authority anyway.
        #expect(try await f.run(.join, on: s.id, by: Org.township).participant(Org.township)?.state == .joined)
    }
}
