import Foundation
import Testing
import JointReporting

/// Each accepted transition, with the state and record it leaves.
@Suite("Session transitions")
struct SessionTransitionTests {
    @Test func attachDetachAndFocus() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        var session = try await f.run(.attach(path: Path.bodyCam), on: s.id, by: Org.township)
        session = try await f.run(.attach(path: Path.room), on: s.id, by: Org.township)
        #expect(session.feeds.map(\.path.description) == [Path.bodyCam, Path.room])
        #expect(session.feeds.allSatisfy { $0.attachedBy == Org.township })
        #expect(try #require(await f.lastEvent()).kind == .feedAttached)

        session = try await f.run(.focus(path: Path.bodyCam), on: s.id, by: Org.township)
        #expect(session.focus == .camera("bc-520602001"))
        #expect(try #require(await f.lastEvent()).detail["previous"] == .null)
        session = try await f.run(.focus(path: Path.room), on: s.id, by: Org.township)
        #expect(session.focus == .room("520602001201"))
        #expect(try #require(await f.lastEvent()).detail["previous"] == .string(Path.bodyCam))
        session = try await f.run(.focus(path: nil), on: s.id, by: Org.township)
        #expect(session.focus == nil)

        session = try await f.run(.focus(path: Path.room), on: s.id, by: Org.township)
        session = try await f.run(.detach(path: Path.room), on: s.id, by: Org.township)
        #expect(session.feeds.map(\.path.description) == [Path.bodyCam])
        #expect(session.focus == nil, "detaching the focus clears it")
        let event = try #require(await f.lastEvent())
        #expect(event.kind == .feedDetached)
        #expect(event.detail["focusCleared"] == .string(Path.room))
    }

    @Test func inviteJoinLeaveRejoin() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        var session = try await f.run(.invite(org: Org.water, role: .observer), on: s.id, by: Org.township)
        #expect(session.participant(Org.water)?.state == .invited)
        #expect(session.participant(Org.water)?.role == .observer)
        #expect(session.participant(Org.water)?.invitedBy == Org.township)
        session = try await f.run(.join, on: s.id, by: Org.water)
        #expect(session.participant(Org.water)?.state == .joined)
        session = try await f.run(.leave, on: s.id, by: Org.water)
        #expect(session.participant(Org.water)?.state == .left)
        session = try await f.run(.join, on: s.id, by: Org.water)
        #expect(session.participant(Org.water)?.state == .joined)
        #expect(try #require(await f.lastEvent()).detail["rejoin"] == true)
        let kinds = await f.coordinator.allEvents().suffix(4).map(\.kind)
        #expect(kinds == [.invited, .joined, .left, .joined])
    }

    @Test func joinOnOwnAuthority() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        var session = try await f.run(.join, on: s.id, by: Org.county)
        session = try await f.run(.join, on: s.id, by: Org.city)
        #expect(session.participant(Org.county)?.state == .joined)
        #expect(session.participant(Org.city)?.invitedBy == nil)
        #expect(try #require(await f.lastEvent()).detail["ownAuthority"] == true)
    }

    @Test func removeAndReinvite() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        try await f.run(.invite(org: Org.otherCounty, role: .participant), on: s.id, by: Org.township)
        try await f.run(.join, on: s.id, by: Org.otherCounty)
        var session = try await f.run(.remove(org: Org.otherCounty), on: s.id, by: Org.township)
        #expect(session.participant(Org.otherCounty)?.state == .removed)
        // Removed, it no longer even sees the session ...
        #expect(await refusal { try await f.run(.join, on: s.id, by: Org.otherCounty) }?.code == .notFound)
        // ... until the host invites it again.
        session = try await f.run(.invite(org: Org.otherCounty, role: .observer), on: s.id, by: Org.township)
        #expect(session.participant(Org.otherCounty)?.state == .invited)
        session = try await f.run(.join, on: s.id, by: Org.otherCounty)
        #expect(session.participant(Org.otherCounty)?.role == .observer)
        // Removing a pending invitation revokes it.
        try await f.run(.invite(org: Org.water, role: .participant), on: s.id, by: Org.township)
        session = try await f.run(.remove(org: Org.water), on: s.id, by: Org.township)
        #expect(session.participant(Org.water)?.state == .removed)
    }

    @Test func hallCamerasOfParticipants() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        try await f.run(.join, on: s.id, by: Org.county)
        try await f.run(.invite(org: Org.water, role: .participant), on: s.id, by: Org.township)
        try await f.run(.join, on: s.id, by: Org.water)
        try await f.run(.attach(path: "hall/\(Org.township)"), on: s.id, by: Org.township)
        try await f.run(.attach(path: "hall/\(Org.county)"), on: s.id, by: Org.county)
        var session = try await f.run(.attach(path: "hall/\(Org.water)"), on: s.id, by: Org.water)
        #expect(Set(session.feeds.map(\.path)) == [.hall(Org.township), .hall(Org.county), .hall(Org.water)])
        #expect(session.feeds.first { $0.path == .hall(Org.water) }?.attachedBy == Org.water)
        // Every party sees the others' halls through the session.
        #expect(f.coordinator.canView(org: Org.township, path: "hall/\(Org.county)"))
        #expect(f.coordinator.canView(org: Org.water, path: "hall/\(Org.county)"))
        #expect(f.coordinator.canView(org: Org.county, path: "hall/\(Org.water)"))
        // A participant may take its own hall out again; leaving takes it out too.
        session = try await f.run(.detach(path: "hall/\(Org.county)"), on: s.id, by: Org.county)
        try await f.run(.focus(path: "hall/\(Org.water)"), on: s.id, by: Org.township)
        session = try await f.run(.leave, on: s.id, by: Org.water)
        #expect(session.feeds.map(\.path) == [.hall(Org.township)])
        #expect(session.focus == nil)
        #expect(try #require(await f.lastEvent()).detail["detached"] == [.string("hall/\(Org.water)")])
    }

    @Test func closeDetachesEverythingAndEndsAccess() async throws {
        let f = try await Fixture.make()
        let (incident, s) = try await f.session()
        try await f.run(.attach(path: Path.room), on: s.id, by: Org.township)
        try await f.run(.attach(path: Path.bodyCam), on: s.id, by: Org.township)
        try await f.run(.focus(path: Path.bodyCam), on: s.id, by: Org.township)
        try await f.run(.invite(org: Org.water, role: .observer), on: s.id, by: Org.township)
        try await f.run(.join, on: s.id, by: Org.water)
        #expect(f.coordinator.canView(org: Org.water, path: Path.bodyCam))
        let closeAt = f.clock.now()
        let session = try await f.run(.close, on: s.id, by: Org.township)
        #expect(session.state == .closed)
        #expect(session.closedAt == closeAt)
        #expect(session.feeds.isEmpty && session.focus == nil)
        #expect(!f.coordinator.canView(org: Org.water, path: Path.bodyCam))
        #expect(!f.coordinator.canView(org: Org.water, path: Path.room))
        let event = try #require(await f.lastEvent())
        #expect(event.kind == .closed)
        #expect(event.detail["detached"] == [.string(Path.room), .string(Path.bodyCam)])
        // Reads still work, for those who took part too.
        #expect(try await f.coordinator.session(id: s.id, as: .organisation(Org.water)).state == .closed)
        #expect(try await f.coordinator.incident(id: incident.id, as: .organisation(Org.township)).id == incident.id)
    }

    @Test(arguments: [
        SessionCommand.attach(path: Path.room), .detach(path: Path.room), .focus(path: Path.room), .focus(path: nil),
        .invite(org: Org.water, role: .participant), .join, .leave, .remove(org: Org.water),
        .escalate(to: .i), .handover(to: Org.county, note: "over to you"), .close,
    ])
    func closedSessionRefusesEverything(command: SessionCommand) async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        try await f.run(.join, on: s.id, by: Org.county)
        try await f.run(.close, on: s.id, by: Org.township)
        for actor in [Org.township, Org.county] {
            let error = await refusal { try await f.run(command, on: s.id, by: actor) }
            #expect(error?.code == .conflict, "\(command) by \(actor): \(error?.description ?? "accepted")")
            #expect(error?.message.contains("closed") == true)
        }
    }

    /// The pure state machine answers the cases the coordinator's visibility check hides.
    @Test func pureStateMachineRefusesUninvitedJoin() throws {
        let d = StaticOrganisationDirectory.tongrenFixture
        let now = Date(timeIntervalSince1970: 0)
        let incident = Incident(id: "inc-1", category: .accident, grade: .iv, location: .village("520602001201"),
                                title: "t", reporter: Org.township, createdAt: now)
        let opened = try JointSession.opening(id: "ses-1", for: incident, by: Org.township, directory: d, rules: .default, now: now)
        let context = TransitionContext(directory: d, catalog: d, rules: .default, incident: incident, now: now)
        for org in [Org.water, Org.otherCounty, Org.otherTownship] {
            let error = #expect(throws: ReportingError.self) { try opened.session.applying(.join, by: org, in: context) }
            #expect(error?.code == .forbidden)
        }
        var removed = opened.session
        removed.participants.append(SessionParticipant(org: Org.water, role: .participant, state: .removed, invitedBy: Org.township, since: now))
        let error = #expect(throws: ReportingError.self) { try removed.applying(.join, by: Org.water, in: context) }
        #expect(error?.code == .forbidden)
        #expect(error?.message.contains("removed") == true)
    }
}
