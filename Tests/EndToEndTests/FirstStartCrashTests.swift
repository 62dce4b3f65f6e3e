import Foundation
import RoomRegistry
import Testing
import TestSupport

/// A first start killed (kill -9, power cut) while it seeds the demo registry: found by
/// scripts/faults/crash.sh. `Registry.open` creates and migrates `registry.sqlite` before the seed
/// transaction commits; the server used to decide "first start" by that file's existence alone,
/// so the next start found the file, skipped the seed, and served an empty registry for good.
@Suite("First start cut short by a crash")
struct FirstStartCrashTests {
    @Test("a first start killed before its seed committed seeds on the next start")
    func seedAfterCutFirstStart() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("fieldrelay-firststart-\(UUID().uuidString)")
        // What the kill leaves: the registry database created and migrated, empty; no admin token
        // yet (it is written after the seed).
        let cut = try Registry.open(directory: data)
        try cut.close()
        #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent(AdminToken.fileName).path))

        let gateway = try await RunningGateway.start(dataDirectory: data.path)
        let counts = try await gateway.application.registry.counts()
        await gateway.stop()
        #expect(counts.rooms == 2911 && counts.counties == 10)
    }

    @Test("a registry imported before the first start is kept, not mixed with the demo")
    func importedBeforeFirstStart() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("fieldrelay-firststart-\(UUID().uuidString)")
        let registry = try Registry.open(directory: data)
        try await registry.importCSV("""
            level,code,name,parent_code,room_name,latitude,longitude,synthetic,equipment_note
            city,520600,铜仁市,,,,,false,
            county,520602,碧江区,520600,,,,false,
            township,520602001,测试镇,520602,,,,true,
            village,520602001001,测试村,520602001,,27.7,109.2,true,
            """)
        try registry.close()

        let gateway = try await RunningGateway.start(dataDirectory: data.path)
        let counts = try await gateway.application.registry.counts()
        await gateway.stop()
        #expect(counts.rooms == 1 && counts.counties == 1)
    }
}
