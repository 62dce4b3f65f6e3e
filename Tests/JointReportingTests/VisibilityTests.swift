import Foundation
import Testing
import JointReporting

/// Who sees which feed, before invitation, while joined and after close.
@Suite("Visibility")
struct VisibilityTests {
    enum Phase: String, Sendable, CaseIterable { case beforeInvitation, invitedNotJoined, joined, afterClose }

    struct Row: Sendable, CustomTestStringConvertible {
        var org: String
        var phase: Phase
        var expected: Bool
        var testDescription: String { "\(org) \(phase.rawValue) → \(expected)" }
    }

    // The incident is in the host township (Bijiang); the water department and the other county
    // are invited as participant/observer in the `invitedNotJoined` phase and join in `joined`.
    static let matrix: [Row] = {
        var rows: [Row] = []
        for phase in Phase.allCases {
            rows.append(Row(org: Org.city, phase: phase, expected: true))
            rows.append(Row(org: Org.county, phase: phase, expected: true))
            rows.append(Row(org: Org.township, phase: phase, expected: true))
            rows.append(Row(org: Org.otherTownship, phase: phase, expected: false))
            rows.append(Row(org: Org.water, phase: phase, expected: phase == .joined))
            rows.append(Row(org: Org.otherCounty, phase: phase, expected: phase == .joined))
        }
        return rows
    }()

    @Test(arguments: matrix)
    func feedVisibility(_ row: Row) async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        try await f.run(.attach(path: Path.room), on: s.id, by: Org.township)
        try await f.run(.attach(path: Path.bodyCam), on: s.id, by: Org.township)
        if row.phase != .beforeInvitation {
            try await f.run(.invite(org: Org.water, role: .participant), on: s.id, by: Org.township)
            try await f.run(.invite(org: Org.otherCounty, role: .observer), on: s.id, by: Org.township)
        }
        if row.phase == .joined || row.phase == .afterClose {
            try await f.run(.join, on: s.id, by: Org.water)
            try await f.run(.join, on: s.id, by: Org.otherCounty)
        }
        if row.phase == .afterClose {
            try await f.run(.close, on: s.id, by: Org.township)
        }
        #expect(f.coordinator.canView(org: row.org, path: Path.room) == row.expected)
        #expect(f.coordinator.canView(org: row.org, path: Path.bodyCam) == row.expected)
        // A room of the same township that the session does not carry: jurisdiction only.
        let jurisdiction = [Org.city, Org.county, Org.township].contains(row.org)
        #expect(f.coordinator.canView(org: row.org, path: Path.room2) == jurisdiction)
        // The other county's room: only the city and that county and township, session or not.
        #expect(f.coordinator.canView(org: row.org, path: Path.otherCountyRoom) == [Org.city, Org.otherCounty, Org.otherTownship].contains(row.org))
    }

    @Test func hallCameraSeenByTownshipOnlyDuringSession() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        #expect(!f.coordinator.canView(org: Org.township, path: "hall/\(Org.county)"))
        try await f.run(.join, on: s.id, by: Org.county)
        try await f.run(.attach(path: "hall/\(Org.county)"), on: s.id, by: Org.county)
        #expect(f.coordinator.canView(org: Org.township, path: "hall/\(Org.county)"))
        try await f.run(.close, on: s.id, by: Org.township)
        #expect(!f.coordinator.canView(org: Org.township, path: "hall/\(Org.county)"))
        #expect(f.coordinator.canView(org: Org.county, path: "hall/\(Org.county)"))
    }

    @Test func removalAndLeavingEndAccessAtOnce() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        try await f.run(.attach(path: Path.bodyCam), on: s.id, by: Org.township)
        try await f.run(.invite(org: Org.water, role: .participant), on: s.id, by: Org.township)
        try await f.run(.invite(org: Org.otherCounty, role: .observer), on: s.id, by: Org.township)
        try await f.run(.join, on: s.id, by: Org.water)
        try await f.run(.join, on: s.id, by: Org.otherCounty)
        #expect(f.coordinator.canView(org: Org.water, path: Path.bodyCam))
        try await f.run(.remove(org: Org.water), on: s.id, by: Org.township)
        #expect(!f.coordinator.canView(org: Org.water, path: Path.bodyCam))
        try await f.run(.leave, on: s.id, by: Org.otherCounty)
        #expect(!f.coordinator.canView(org: Org.otherCounty, path: Path.bodyCam))
        try await f.run(.join, on: s.id, by: Org.otherCounty)
        #expect(f.coordinator.canView(org: Org.otherCounty, path: Path.bodyCam))
        try await f.run(.detach(path: Path.bodyCam), on: s.id, by: Org.township)
        #expect(!f.coordinator.canView(org: Org.otherCounty, path: Path.bodyCam))
        #expect(f.coordinator.viewing.grantees(of: .camera("bc-520602001")).isEmpty)
    }

    @Test func overlappingSessionsGrantUntilTheLastCloses() async throws {
        // Two incidents, one open session each, both carrying the same room.
        let f = try await Fixture.make()
        let (_, a) = try await f.session()
        let (_, b) = try await f.session()
        for s in [a, b] {
            try await f.run(.attach(path: Path.room), on: s.id, by: Org.township)
            try await f.run(.invite(org: Org.water, role: .observer), on: s.id, by: Org.township)
            try await f.run(.join, on: s.id, by: Org.water)
        }
        try await f.run(.close, on: a.id, by: Org.township)
        #expect(f.coordinator.canView(org: Org.water, path: Path.room))
        try await f.run(.close, on: b.id, by: Org.township)
        #expect(!f.coordinator.canView(org: Org.water, path: Path.room))
    }

    @Test func nonSessionPathsAreNotViewableHere() async throws {
        let f = try await Fixture.make()
        #expect(!f.coordinator.canView(org: Org.city, path: "lab/cam1"))
        #expect(!f.coordinator.canView(org: Org.city, path: "garbage"))
        #expect(!f.coordinator.canView(org: "nobody", path: Path.room))
    }

    @Test func scopedListings() async throws {
        let f = try await Fixture.make()
        let (incident, s) = try await f.session()
        let other = try await f.coordinator.createIncident(
            villageCode: "520603001201", category: .socialSafety, grade: .iv, title: "Other county",
            firstReport: nil, by: Org.otherTownship)
        let otherSession = try await f.coordinator.openSession(incidentId: other.id, by: Org.otherTownship)

        func ids(_ viewer: Viewer) async -> (incidents: [String], sessions: [String]) {
            (await f.coordinator.incidents(visibleTo: viewer).map(\.id), await f.coordinator.sessions(visibleTo: viewer).map(\.id))
        }
        #expect(await ids(.admin) == ([incident.id, other.id], [s.id, otherSession.id]))
        #expect(await ids(.organisation(Org.city)) == ([incident.id, other.id], [s.id, otherSession.id]))
        #expect(await ids(.organisation(Org.county)) == ([incident.id], [s.id]))
        #expect(await ids(.organisation(Org.township)) == ([incident.id], [s.id]))
        #expect(await ids(.organisation(Org.otherCounty)) == ([other.id], [otherSession.id]))
        #expect(await ids(.organisation(Org.water)) == ([], []))

        try await f.run(.invite(org: Org.water, role: .observer), on: s.id, by: Org.township)
        #expect(await ids(.organisation(Org.water)) == ([incident.id], [s.id]), "an invitation shows the session")
        #expect(await refusal { _ = try await f.coordinator.session(id: otherSession.id, as: .organisation(Org.county)) }?.code == .notFound)
        #expect(await refusal { _ = try await f.coordinator.events(ofSession: s.id, as: .organisation(Org.otherCounty)) }?.code == .notFound)
        #expect(try await f.coordinator.events(ofSession: s.id, as: .organisation(Org.water)).map(\.kind) == [.sessionCreated, .invited])

        try await f.run(.remove(org: Org.water), on: s.id, by: Org.township)
        #expect(await ids(.organisation(Org.water)) == ([], []), "removal hides the session again")

        try await f.run(.close, on: s.id, by: Org.township)
        #expect(await f.coordinator.sessions(visibleTo: .organisation(Org.township), state: .open).isEmpty)
        #expect(await f.coordinator.sessions(visibleTo: .organisation(Org.township), state: .closed).map(\.id) == [s.id])
        #expect(try await f.coordinator.sessions(ofIncident: incident.id, as: .organisation(Org.city)).map(\.id) == [s.id])
    }
}
