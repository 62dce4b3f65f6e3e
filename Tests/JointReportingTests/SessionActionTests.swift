import Foundation
import Testing
import JointReporting

/// The actions each caller is told it may take (`GET /sessions/{id}`'s `actions`), for every role
/// and state the console meets, and their agreement with the refusals: an action left out of the
/// list is refused when tried.
@Suite("Session actions")
struct SessionActionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var grade: IncidentGrade = .iv
        var given: [Step] = []
        var actor: String
        var expected: [SessionAction]
        var testDescription: String { name }
    }

    /// Every case starts from a session hosted by the township with a room attached and the water
    /// department invited as an observer.
    static let base = [Step(.attach(path: Path.room), by: Org.township),
                       Step(.invite(org: Org.water, role: .observer), by: Org.township)]
    static let hostActions: [SessionAction] = [.attach, .detach, .focus, .invite, .remove, .escalate, .handover, .close, .report]

    static let cases: [Case] = [
        Case(name: "host", actor: Org.township, expected: hostActions),
        Case(name: "host of a grade-I incident cannot raise it further", grade: .i, actor: Org.township,
             expected: hostActions.filter { $0 != .escalate }),
        Case(name: "county with authority, not joined", actor: Org.county, expected: [.join, .report]),
        Case(name: "department invited as observer", actor: Org.water, expected: [.join]),
        Case(name: "department joined as observer", given: [Step(.join, by: Org.water)], actor: Org.water, expected: [.leave]),
        Case(name: "department joined as participant with its hall attached",
             given: [Step(.remove(org: Org.water), by: Org.township), Step(.invite(org: Org.water, role: .participant), by: Org.township),
                     Step(.join, by: Org.water), Step(.attach(path: "hall/\(Org.water)"), by: Org.water)],
             actor: Org.water, expected: [.attach, .detach, .leave]),
        Case(name: "department removed", given: [Step(.remove(org: Org.water), by: Org.township)], actor: Org.water, expected: []),
        Case(name: "county joined, senior to the host", given: [Step(.join, by: Org.county)], actor: Org.county,
             expected: [.attach, .detach, .leave, .escalate, .report]),
        Case(name: "former host after handing over to the county",
             given: [Step(.join, by: Org.county), Step(.handover(to: Org.county, note: "county takes command"), by: Org.township)],
             actor: Org.township, expected: [.attach, .detach, .leave, .report]),
        Case(name: "county after taking command",
             given: [Step(.join, by: Org.county), Step(.handover(to: Org.county, note: "county takes command"), by: Org.township)],
             actor: Org.county, expected: hostActions),
        Case(name: "host of a closed session: only reporting goes on", given: [Step(.close, by: Org.township)],
             actor: Org.township, expected: [.report]),
        Case(name: "observer of a closed session", given: [Step(.join, by: Org.water), Step(.close, by: Org.township)],
             actor: Org.water, expected: []),
        Case(name: "another county, never asked", actor: Org.otherCounty, expected: []),
    ]

    @Test(arguments: cases)
    func actions(_ test: Case) async throws {
        let fixture = try await Fixture.make()
        let (_, opened) = try await fixture.session(grade: test.grade)
        for step in Self.base + test.given { try await fixture.run(step.command, on: opened.id, by: step.actor) }
        let listed = await fixture.coordinator.actions(onSession: opened.id, for: test.actor)
        #expect(listed == test.expected)

        // Agreement: every action left out is refused when tried, for who the caller is or for
        // the state, never let through. Tried on the pure state machine, each from the same state.
        let session = try await fixture.coordinator.session(id: opened.id, as: .admin)
        let incident = try await fixture.coordinator.incident(id: opened.incidentId, as: .admin)
        let directory = StaticOrganisationDirectory.tongrenFixture
        let context = TransitionContext(directory: directory, catalog: directory, rules: .default, incident: incident, now: Date())
        for action in SessionAction.allCases where !listed.contains(action) && action != .report {
            let command = Self.representative(action, by: test.actor, host: session.host)
            #expect(throws: ReportingError.self, "\(action) is not listed for \(test.actor) but \(command) was applied") {
                _ = try session.applying(command, by: test.actor, in: context)
            }
        }
        if !listed.contains(.report) {
            let refused = await refusal { _ = try await fixture.coordinator.fileReport(incidentId: incident.id, stage: .followup, text: "x", by: test.actor) }
            #expect(refused != nil, "report is not listed for \(test.actor) but a follow-up was filed")
        }
    }

    /// A command that takes `action` with arguments that would be accepted from the host.
    static func representative(_ action: SessionAction, by actor: String, host: String) -> SessionCommand {
        switch action {
        case .attach: actor == host ? .attach(path: Path.room2) : .attach(path: "hall/\(actor)")
        case .detach: actor == host ? .detach(path: Path.room) : .detach(path: "hall/\(actor)")
        case .focus: .focus(path: Path.room)
        case .invite: .invite(org: Org.otherCounty, role: .observer)
        case .remove: .remove(org: Org.water)
        case .join: .join
        case .leave: .leave
        case .escalate: .escalate(to: .i)
        case .handover: .handover(to: Org.county, note: "handing over")
        case .close: .close
        case .report: .close  // not a session command; checked through fileReport
        }
    }

    @Test("a command refused for who the caller is carries the same reason as the missing action")
    func refusalReasons() async throws {
        let fixture = try await Fixture.make()
        let (_, session) = try await fixture.session()
        try await fixture.run(.invite(org: Org.water, role: .observer), on: session.id, by: Org.township)
        try await fixture.run(.join, on: session.id, by: Org.water)
        let observerAttach = await refusal { try await fixture.run(.attach(path: "hall/\(Org.water)"), on: session.id, by: Org.water) }
        #expect(observerAttach?.reason == .observer)
        let observerClose = await refusal { try await fixture.run(.close, on: session.id, by: Org.water) }
        #expect(observerClose?.reason == .notHost)
        try await fixture.run(.escalate(to: .iii), on: session.id, by: Org.township)
        let lowered = await refusal { try await fixture.run(.escalate(to: .iv), on: session.id, by: Org.township) }
        #expect(lowered?.code == .conflict && lowered?.reason == .gradeNotLowered)
        try await fixture.run(.close, on: session.id, by: Org.township)
        let closed = await refusal { try await fixture.run(.join, on: session.id, by: Org.county) }
        #expect(closed?.reason == .sessionClosed)
    }
}
