import Foundation
import Testing
@testable import RoomRegistry

@Suite("Devices and organisations")
struct DeviceTests {
    @Test("bad device ids are refused", arguments: ["cam/1", "a/b", "", String(repeating: "a", count: 65), "摄像机", "a b", "a,b", "a=b"])
    func badIDs(id: String) async throws {
        let registry = try Registry.openInMemory()
        try await registry.importCSV(smallCSV)
        let error = await expectRegistryError(.invalid) { _ = try await registry.addDevice(id: id, name: "x", org: "520600") }
        #expect(error?.message.contains("SQL") == false)
        #expect(try await registry.devices().isEmpty)
    }

    @Test("unknown owner, duplicate id, empty name, unknown device")
    func refusals() async throws {
        let registry = try Registry.openInMemory()
        try await registry.importCSV(smallCSV)
        await expectRegistryError(.notFound) { _ = try await registry.addDevice(id: "cam1", name: "x", org: "520699") }
        _ = try await registry.addDevice(id: "cam1", name: "Camera 1", org: "520602001")
        await expectRegistryError(.duplicate) { _ = try await registry.addDevice(id: "cam1", name: "x", org: "520600") }
        await expectRegistryError(.invalid) { _ = try await registry.addDevice(id: "cam2", name: "  ", org: "520600") }
        await expectRegistryError(.notFound) { try await registry.revokeDevice(id: "nope") }
        await expectRegistryError(.notFound) { _ = try await registry.device(id: "nope") }
        await expectRegistryError(.invalid) { _ = try await registry.device(id: "no/pe") }
        #expect(try await registry.devices().map(\.id) == ["cam1"])
        #expect(try await registry.devices(org: "520602001").count == 1)
        #expect(try await registry.devices(org: "520600").isEmpty)
    }

    @Test("two tasks writing at once are serialised; nothing is lost")
    func concurrentWriters() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let registry = try await seededRegistry(dir)
        // A second pool on the same file, like a second process, contends for the lock too.
        let other = try Registry.open(directory: dir.url)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for i in 0..<40 { _ = try await registry.addDevice(id: "a-\(i)", name: "A \(i)", org: "520602") }
            }
            group.addTask {
                for i in 0..<40 { _ = try await registry.addDevice(id: "b-\(i)", name: "B \(i)", org: "520603") }
            }
            group.addTask {
                for i in 0..<20 { _ = try await other.rotateKey(path: "hall/520600-fire"); _ = i }
            }
            try await group.waitForAll()
        }
        #expect(try await registry.devices().count == 181 + 80)
        #expect(try await registry.keyHistory(path: "hall/520600-fire").count == 21)
        #expect(registry.admission.lookup(path: "cam/a-39") != nil && registry.admission.lookup(path: "cam/b-39") != nil)
    }

    @Test("organisations: halls and departments")
    func organisations() async throws {
        let registry = try Registry.openInMemory()
        try await registry.seedDemo()
        let all = try await registry.organisations()
        #expect(all.count == 196)
        #expect(try await registry.organisations(level: .county).count == 10)
        #expect(try await registry.organisations(level: .department).map(\.id).sorted()
                == ["520600-fire", "520600-forestry", "520600-natural-resources", "520600-water"])
        #expect(try await registry.organisation(id: "520600").name == "铜仁市应急指挥中心")
        await expectRegistryError(.notFound) { _ = try await registry.organisation(id: "520699") }
        await expectRegistryError(.invalid) { _ = try await registry.organisation(id: "hall/1") }
    }
}
