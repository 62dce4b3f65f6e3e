import Foundation
import JointReporting

/// Organisation ids of `StaticOrganisationDirectory.tongrenFixture`.
enum Org {
    static let city = "520600"
    static let county = "520602"  // the incident's county (Bijiang)
    static let otherCounty = "520603"  // Wanshan
    static let township = "520602001"  // the host township
    static let otherTownship = "520603001"
    static let water = "520600-water"  // a department
}

enum Path {
    static let room = "room/520602001201"
    static let room2 = "room/520602001202"
    static let otherCountyRoom = "room/520603001201"
    static let bodyCam = "cam/bc-520602001"
    static let otherBodyCam = "cam/bc-520603001"
}

/// One coordinator over an in-memory store, the Tongren fixture and a manual clock.
struct Fixture {
    static let key = Data((0..<32).map { UInt8($0) })
    let clock: ManualReportingClock
    let store: InMemoryReportingStore
    let coordinator: SessionCoordinator

    static func make(
        rules: EscalationRules = .default, deadlines: ReportingDeadlines = .default,
        store: InMemoryReportingStore = InMemoryReportingStore(), clock: ManualReportingClock = ManualReportingClock()
    ) async throws -> Fixture {
        let directory = StaticOrganisationDirectory.tongrenFixture
        let coordinator = try await SessionCoordinator(
            store: store, directory: directory, catalog: directory, auditKey: key, clock: clock,
            rules: rules, deadlines: deadlines)
        return Fixture(clock: clock, store: store, coordinator: coordinator)
    }

    /// A new coordinator over the same store, as after a restart.
    func restarted() async throws -> Fixture {
        try await Fixture.make(store: store, clock: clock)
    }

    func incident(grade: IncidentGrade = .iv, village: String = "520602001201", report: String? = "landslide blocks the road") async throws -> Incident {
        try await coordinator.createIncident(
            villageCode: village, category: .naturalDisaster, grade: grade, title: "Landslide",
            firstReport: report, by: Org.township)
    }

    /// An incident and its open session hosted by the township.
    func session(grade: IncidentGrade = .iv) async throws -> (Incident, JointSession) {
        let incident = try await incident(grade: grade)
        let session = try await coordinator.openSession(incidentId: incident.id, by: Org.township)
        return (incident, session)
    }

    @discardableResult
    func run(_ command: SessionCommand, on session: String, by actor: String) async throws -> JointSession {
        try await coordinator.perform(command, on: session, by: actor)
    }

    func lastEvent() async -> AuditEvent? { await coordinator.allEvents().last }
}

/// The refusal `body` threw, or `nil` if it succeeded (or threw something else).
func refusal(_ body: () async throws -> Void) async -> ReportingError? {
    do {
        try await body()
        return nil
    } catch let error as ReportingError {
        return error
    } catch {
        return nil
    }
}

/// One command by one organisation, for table-driven tests.
struct Step: Sendable, CustomStringConvertible {
    var command: SessionCommand
    var actor: String
    init(_ command: SessionCommand, by actor: String) {
        self.command = command
        self.actor = actor
    }
    var description: String { "\(command) by \(actor)" }
}
