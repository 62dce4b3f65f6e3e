import Foundation
import GRDB
import JointReporting
import ReportingStore

/// A data directory with a reporting database and a coordinator over the Tongren fixture.
struct StoreFixture {
    static let township = "520602001"
    static let county = "520602"
    static let otherCounty = "520603"
    static let city = "520600"
    static let water = "520600-water"
    static let bodyCam = "cam/bc-520602001"

    let directory: URL
    let key: Data
    let database: ReportingDatabase
    let coordinator: SessionCoordinator
    let clock: ManualReportingClock

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("fieldrelay-reporting-\(UUID().uuidString)")
    }

    static func open(_ directory: URL = temporaryDirectory(), clock: ManualReportingClock = ManualReportingClock()) async throws -> StoreFixture {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let key = try AuditKeyFile.loadOrCreate(directory: directory).key
        let database = try ReportingDatabase.open(directory: directory, auditKey: key)
        let fixture = StaticOrganisationDirectory.tongrenFixture
        let coordinator = try await SessionCoordinator(store: database, directory: fixture, catalog: fixture, auditKey: key, clock: clock)
        return StoreFixture(directory: directory, key: key, database: database, coordinator: coordinator, clock: clock)
    }

    /// Closes the database and opens everything again over the same directory, as a restart does.
    func restarted() async throws -> StoreFixture {
        try database.close()
        return try await StoreFixture.open(directory, clock: clock)
    }

    func remove() {
        try? database.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A small story: incident, session, body camera, county invited and joined, a view, a refusal.
    @discardableResult
    func story() async throws -> (Incident, JointSession) {
        let incident = try await coordinator.createIncident(
            villageCode: "520602001201", category: .naturalDisaster, grade: .iv, title: "Landslide",
            firstReport: "road blocked", by: Self.township)
        let session = try await coordinator.openSession(incidentId: incident.id, by: Self.township)
        _ = try await coordinator.perform(.attach(path: Self.bodyCam), on: session.id, by: Self.township)
        _ = try await coordinator.perform(.invite(org: Self.water, role: .observer), on: session.id, by: Self.township)
        _ = try await coordinator.perform(.join, on: session.id, by: Self.water)
        try await coordinator.recordView(org: Self.water, path: Self.bodyCam)
        _ = try? await coordinator.perform(.close, on: session.id, by: Self.otherCounty)
        clock.advance(by: 60)
        let current = try await coordinator.session(id: session.id, as: .admin)
        return (incident, current)
    }

    /// Direct access to the file, as someone with the data directory would have.
    func tamper(_ body: @Sendable (Database) throws -> Void) throws {
        let queue = try DatabaseQueue(path: directory.appendingPathComponent(ReportingDatabase.databaseFileName).path)
        try queue.writeWithoutTransaction { db in try body(db) }
        try queue.close()
    }
}
