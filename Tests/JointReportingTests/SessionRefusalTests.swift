import Foundation
import Testing
import JointReporting

/// Every refusal of the session state machine: given some steps on a fresh grade-IV session
/// hosted by the township, the command is refused with the expected code, the session is left as
/// it was, and the refusal is on the record.
@Suite("Session refusals")
struct SessionRefusalTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var given: [Step] = []
        var command: SessionCommand
        var actor: String
        var code: ReportingError.Code
        var testDescription: String { name }
    }

    static let countyJoined = [Step(.join, by: Org.county)]
    static let waterInvited = [Step(.invite(org: Org.water, role: .participant), by: Org.township)]
    static let waterJoined = waterInvited + [Step(.join, by: Org.water)]
    static let waterObserving = [Step(.invite(org: Org.water, role: .observer), by: Org.township), Step(.join, by: Org.water)]
    static let roomAttached = [Step(.attach(path: Path.room), by: Org.township)]

    static let cases: [Case] = [
        // attach
        Case(name: "attach: malformed room code", command: .attach(path: "room/123"), actor: Org.township, code: .invalid),
        Case(name: "attach: lab path", command: .attach(path: "lab/cam1"), actor: Org.township, code: .invalid),
        Case(name: "attach: unregistered room", command: .attach(path: "room/520602001999"), actor: Org.township, code: .notFound),
        Case(name: "attach: unregistered camera", command: .attach(path: "cam/ghost"), actor: Org.township, code: .notFound),
        Case(name: "attach: unregistered hall", command: .attach(path: "hall/999999"), actor: Org.township, code: .forbidden),
        Case(name: "attach: twice", given: roomAttached, command: .attach(path: Path.room), actor: Org.township, code: .conflict),
        Case(name: "attach: room outside host jurisdiction", command: .attach(path: Path.otherCountyRoom), actor: Org.township, code: .forbidden),
        Case(name: "attach: camera of another township", command: .attach(path: Path.otherBodyCam), actor: Org.township, code: .forbidden),
        Case(name: "attach: participant attaches a room", given: countyJoined, command: .attach(path: Path.room), actor: Org.county, code: .forbidden),
        Case(name: "attach: participant attaches another org's hall", given: countyJoined, command: .attach(path: "hall/\(Org.city)"), actor: Org.county, code: .forbidden),
        Case(name: "attach: host attaches another org's hall", given: countyJoined, command: .attach(path: "hall/\(Org.county)"), actor: Org.township, code: .forbidden),
        Case(name: "attach: hall before joining", given: waterInvited, command: .attach(path: "hall/\(Org.water)"), actor: Org.water, code: .forbidden),
        Case(name: "attach: observer's hall", given: waterObserving, command: .attach(path: "hall/\(Org.water)"), actor: Org.water, code: .forbidden),
        Case(name: "attach: hall of an org not in session", command: .attach(path: "hall/\(Org.county)"), actor: Org.county, code: .forbidden),
        Case(name: "attach: another county cannot see the session", command: .attach(path: Path.otherCountyRoom), actor: Org.otherCounty, code: .notFound),
        // detach
        Case(name: "detach: not attached", command: .detach(path: Path.room), actor: Org.township, code: .conflict),
        Case(name: "detach: malformed", command: .detach(path: "room/x"), actor: Org.township, code: .invalid),
        Case(name: "detach: participant detaches a room", given: countyJoined + roomAttached, command: .detach(path: Path.room), actor: Org.county, code: .forbidden),
        Case(name: "detach: participant's own hall not attached", given: countyJoined, command: .detach(path: "hall/\(Org.county)"), actor: Org.county, code: .conflict),
        // focus
        Case(name: "focus: not attached", command: .focus(path: Path.room), actor: Org.township, code: .conflict),
        Case(name: "focus: already the focus", given: roomAttached + [Step(.focus(path: Path.room), by: Org.township)], command: .focus(path: Path.room), actor: Org.township, code: .conflict),
        Case(name: "focus: nothing to clear", command: .focus(path: nil), actor: Org.township, code: .conflict),
        Case(name: "focus: by a participant", given: countyJoined + roomAttached, command: .focus(path: Path.room), actor: Org.county, code: .forbidden),
        Case(name: "focus: malformed", command: .focus(path: "cam/"), actor: Org.township, code: .invalid),
        // invite
        Case(name: "invite: by a participant", given: countyJoined, command: .invite(org: Org.water, role: .observer), actor: Org.county, code: .forbidden),
        Case(name: "invite: unknown organisation", command: .invite(org: "nobody", role: .observer), actor: Org.township, code: .notFound),
        Case(name: "invite: the host", command: .invite(org: Org.township, role: .observer), actor: Org.township, code: .conflict),
        Case(name: "invite: twice", given: waterInvited, command: .invite(org: Org.water, role: .observer), actor: Org.township, code: .conflict),
        Case(name: "invite: already joined", given: countyJoined, command: .invite(org: Org.county, role: .participant), actor: Org.township, code: .conflict),
        // join
        Case(name: "join: twice", given: countyJoined, command: .join, actor: Org.county, code: .conflict),
        Case(name: "join: the host", command: .join, actor: Org.township, code: .conflict),
        Case(name: "join: uninvited department", command: .join, actor: Org.water, code: .notFound),
        Case(name: "join: uninvited other county", command: .join, actor: Org.otherCounty, code: .notFound),
        Case(name: "join: removed", given: waterJoined + [Step(.remove(org: Org.water), by: Org.township)], command: .join, actor: Org.water, code: .notFound),
        Case(name: "join: unknown organisation", command: .join, actor: "nobody", code: .notFound),
        // leave
        Case(name: "leave: the host", command: .leave, actor: Org.township, code: .conflict),
        Case(name: "leave: only invited", given: waterInvited, command: .leave, actor: Org.water, code: .conflict),
        Case(name: "leave: twice", given: waterJoined + [Step(.leave, by: Org.water)], command: .leave, actor: Org.water, code: .conflict),
        // remove
        Case(name: "remove: by a participant", given: countyJoined + waterJoined, command: .remove(org: Org.water), actor: Org.county, code: .forbidden),
        Case(name: "remove: the host itself", command: .remove(org: Org.township), actor: Org.township, code: .conflict),
        Case(name: "remove: not in session", command: .remove(org: Org.water), actor: Org.township, code: .notFound),
        Case(name: "remove: county with authority", given: countyJoined, command: .remove(org: Org.county), actor: Org.township, code: .forbidden),
        Case(name: "remove: twice", given: waterJoined + [Step(.remove(org: Org.water), by: Org.township)], command: .remove(org: Org.water), actor: Org.township, code: .conflict),
        Case(name: "remove: after leaving", given: waterJoined + [Step(.leave, by: Org.water)], command: .remove(org: Org.water), actor: Org.township, code: .conflict),
        // escalate
        Case(name: "escalate: same grade", command: .escalate(to: .iv), actor: Org.township, code: .conflict),
        Case(name: "escalate: lower grade", given: [Step(.escalate(to: .ii), by: Org.township)], command: .escalate(to: .iii), actor: Org.township, code: .conflict),
        Case(name: "escalate: by a joined department", given: waterJoined, command: .escalate(to: .iii), actor: Org.water, code: .forbidden),
        Case(name: "escalate: by an invited, not joined, county", given: [Step(.invite(org: Org.county, role: .participant), by: Org.township)], command: .escalate(to: .iii), actor: Org.county, code: .forbidden),
        // handover
        Case(name: "handover: by a participant", given: countyJoined, command: .handover(to: Org.county, note: "mine"), actor: Org.county, code: .forbidden),
        Case(name: "handover: empty note", given: countyJoined, command: .handover(to: Org.county, note: "  "), actor: Org.township, code: .invalid),
        Case(name: "handover: note too long", given: countyJoined, command: .handover(to: Org.county, note: String(repeating: "n", count: 2_001)), actor: Org.township, code: .invalid),
        Case(name: "handover: to itself", command: .handover(to: Org.township, note: "n"), actor: Org.township, code: .conflict),
        Case(name: "handover: to unknown", command: .handover(to: "nobody", note: "n"), actor: Org.township, code: .notFound),
        Case(name: "handover: to a department", given: waterJoined, command: .handover(to: Org.water, note: "n"), actor: Org.township, code: .forbidden),
        Case(name: "handover: to another county", given: [Step(.invite(org: Org.otherCounty, role: .participant), by: Org.township), Step(.join, by: Org.otherCounty)], command: .handover(to: Org.otherCounty, note: "n"), actor: Org.township, code: .forbidden),
        Case(name: "handover: to a county not joined", command: .handover(to: Org.county, note: "n"), actor: Org.township, code: .conflict),
        Case(name: "handover: to a county only invited", given: [Step(.invite(org: Org.county, role: .participant), by: Org.township)], command: .handover(to: Org.county, note: "n"), actor: Org.township, code: .conflict),
        // close
        Case(name: "close: by a participant", given: countyJoined, command: .close, actor: Org.county, code: .forbidden),
        Case(name: "close: by another county", command: .close, actor: Org.otherCounty, code: .notFound),
    ]

    @Test(arguments: cases)
    func refused(_ c: Case) async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        for step in c.given { try await f.run(step.command, on: s.id, by: step.actor) }
        let before = try await f.coordinator.session(id: s.id, as: .admin)
        let incidentBefore = try await f.coordinator.incident(id: s.incidentId, as: .admin)
        let eventsBefore = await f.coordinator.allEvents().count

        let error = await refusal { try await f.run(c.command, on: s.id, by: c.actor) }

        #expect(error?.code == c.code, "\(error?.description ?? "accepted")")
        #expect(error?.message.isEmpty == false)
        #expect(try await f.coordinator.session(id: s.id, as: .admin) == before, "nothing half-applied")
        #expect(try await f.coordinator.incident(id: s.incidentId, as: .admin) == incidentBefore)
        let events = await f.coordinator.allEvents()
        #expect(events.count == eventsBefore + 1)
        let event = try #require(events.last)
        #expect(event.kind == .refused)
        #expect(event.actor == c.actor)
        #expect(event.sessionId == s.id)
        #expect(event.detail["command"] == .string(c.command.auditKind.rawValue))
        #expect(event.detail["code"] == .string(c.code.rawValue))
        #expect(event.detail["message"] == .string(error?.message ?? ""))
        #expect(AuditVerifier.verify(events: events, keyBytes: Fixture.key, checkpoint: await f.store.checkpoint).isIntact)
    }
}
