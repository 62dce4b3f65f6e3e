import AccessKeys
import Foundation
import ReportingStore
import Testing

@Suite("SRT read keys: derived per caller and generation, rotated in the reporting database")
struct SRTReadKeyTests {
    static let auditKey = Data(repeating: 7, count: 32)

    @Test("generation 0 is the key FieldRelay derived before rotation existed; every later generation differs, per caller")
    func derivation() {
        let keys = SRTReadKeys(auditKey: Self.auditKey)
        // Printed by `fieldrelay orgs srt-key` before generations existed, for this audit key:
        // decoders configured then keep working.
        #expect(keys.key(for: "admin") == "G5RkFYQ0th6qZRUXQeVEQ5j3")
        #expect(keys.key(for: StoreFixture.county) == "i3zQlGT3jm3eOzolY2mTIzq0")
        #expect(keys.key(for: StoreFixture.otherCounty) == "EE2L4Tx6rmWHLvEKZjwEkBkQ")
        #expect(keys.key(for: "admin", generation: 0) == keys.key(for: "admin"))

        var seen: Set<String> = []
        for caller in ["admin", StoreFixture.county, StoreFixture.otherCounty, StoreFixture.water] {
            for generation in 0...3 {
                let key = keys.key(for: caller, generation: generation)
                #expect(key.count == 24 && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
                #expect(keys.key(for: caller, generation: generation) == key, "deterministic")
                seen.insert(key)
            }
        }
        #expect(seen.count == 16, "no two callers or generations share a key")
        // Another audit key, other keys.
        #expect(SRTReadKeys(auditKey: Data(repeating: 8, count: 32)).key(for: "admin", generation: 1) != keys.key(for: "admin", generation: 1))
    }

    @Test("a rotation raises one caller's generation in the database; another process's rotation is seen on refresh")
    func rotation() async throws {
        let fixture = try await StoreFixture.open()
        defer { fixture.remove() }
        let derivation = SRTReadKeys(auditKey: fixture.key)
        let keys = try await SRTReadKeyGenerations(database: fixture.database, keys: derivation)
        #expect(keys.generation(for: StoreFixture.county) == 0)
        #expect(keys.currentKey(for: StoreFixture.county) == derivation.key(for: StoreFixture.county))

        let first = try await keys.rotate(StoreFixture.county)
        #expect(first.generation == 1 && first.key == derivation.key(for: StoreFixture.county, generation: 1))
        #expect(keys.currentKey(for: StoreFixture.county) == first.key)
        let second = try await keys.rotate(StoreFixture.county)
        #expect(second.generation == 2 && keys.currentKey(for: StoreFixture.county) == second.key)
        #expect(keys.generation(for: StoreFixture.otherCounty) == 0 && keys.generation(for: "admin") == 0, "others unaffected")
        #expect(try await fixture.database.srtReadKeyGenerations() == [StoreFixture.county: 2])

        // The CLI, with a database of its own on the same directory, rotates the admin's key.
        let cli = try ReportingDatabase.open(directory: fixture.directory, auditKey: fixture.key)
        #expect(try await cli.rotateSRTReadKey(caller: "admin") == 1)
        try cli.close()
        #expect(keys.generation(for: "admin") == 0, "not seen before a refresh")
        try await keys.refresh()
        #expect(keys.generation(for: "admin") == 1 && keys.generation(for: StoreFixture.county) == 2)

        // After a restart the generations are loaded, not reset.
        let restarted = try await fixture.restarted()
        defer { restarted.remove() }
        let reloaded = try await SRTReadKeyGenerations(database: restarted.database, keys: SRTReadKeys(auditKey: restarted.key))
        #expect(reloaded.currentKey(for: StoreFixture.county) == second.key)
        #expect(reloaded.generation(for: "admin") == 1)
    }

    @Test("a read-only database refuses a rotation")
    func readOnly() async throws {
        let fixture = try await StoreFixture.open()
        defer { fixture.remove() }
        let readOnly = try ReportingDatabase.openReadOnly(directory: fixture.directory)
        defer { try? readOnly.close() }
        await #expect(throws: ReportingStoreError.self) { try await readOnly.rotateSRTReadKey(caller: StoreFixture.county) }
        #expect(try await readOnly.srtReadKeyGenerations().isEmpty)
    }
}
