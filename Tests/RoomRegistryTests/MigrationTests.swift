import Foundation
import GRDB
import Testing
@testable import RoomRegistry

@Suite("Migrations")
struct MigrationTests {
    @Test("an empty directory gets a migrated WAL database with every table")
    func migratesFromEmpty() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let registry = try Registry.open(directory: dir.url.appendingPathComponent("nested/data"))
        #expect(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("nested/data/registry.sqlite").path))

        let (tables, applied, journal) = try await registry.writer.read { db in
            (try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"),
             try RegistrySchema.migrator.appliedIdentifiers(db),
             try String.fetchOne(db, sql: "PRAGMA journal_mode"))
        }
        #expect(Set(tables).isSuperset(of: ["area", "organisation", "room", "device", "srtKey", "liveStatus", "availabilityPeriod", "point"]))
        #expect(applied == ["v1-areas-orgs-rooms-devices-keys", "v1-status-history", "v2-points"])
        #expect(journal == "wal")
        #expect(try await registry.counts().isEmpty)
        #expect(registry.admission.count == 0)
        #expect(registry.areaTree().isEmpty)
        try registry.close()

        // Reopening an up-to-date database migrates nothing and fails nothing.
        let again = try Registry.open(directory: dir.url.appendingPathComponent("nested/data"))
        #expect(try await again.counts().isEmpty)
        try again.close()
    }

    @Test("an in-memory registry is migrated and usable")
    func inMemory() async throws {
        let registry = try Registry.openInMemory()
        #expect(try await registry.seedDemo())
        #expect(try await registry.counts().rooms == 2_911)
    }
}
