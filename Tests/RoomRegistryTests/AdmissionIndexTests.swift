import Foundation
import Testing
@testable import RoomRegistry

@Suite("Admission index")
struct AdmissionIndexTests {
    @Test("rooms, devices and halls resolve with owner and area codes; unknown paths do not")
    func lookups() async throws {
        let registry = try Registry.openInMemory()
        try await registry.seedDemo()

        let room = try #require(registry.admission.lookup(path: "room/520602001201"))
        #expect(room.kind == .room && !room.revoked && room.organisation == "520602001")
        #expect(room.areaCodes == ["520600", "520602", "520602001", "520602001201"])
        #expect(room.passphrase == (try await registry.provisioning(path: "room/520602001201")).passphrase)

        let camera = try #require(registry.admission.lookup(path: "cam/bc-520602001"))
        #expect(camera.kind == .device && camera.organisation == "520602001")
        #expect(camera.areaCodes == ["520600", "520602", "520602001"])

        let department = try #require(registry.admission.lookup(path: "hall/520600-water"))
        #expect(department.kind == .hall && department.areaCodes == ["520600"])
        #expect(registry.admission.lookup(path: "hall/520600")?.kind == .hall)

        #expect(registry.admission.lookup(path: "room/520602001999") == nil)
        #expect(registry.admission.lookup(path: "lab/test") == nil)
        #expect(registry.admission.lookup(path: "cam/../etc") == nil)
    }

    @Test("add, revoke and rotate keep the index in step and notify")
    func inStep() async throws {
        let registry = try Registry.openInMemory()
        try await registry.seedDemo()
        let log = ChangeLog()
        registry.onSourceChanged = { log.record($0) }
        var streamed = registry.sourceChanges().makeAsyncIterator()

        let device = try await registry.addDevice(id: "team7-cam2", name: "救援七队 2 号单兵", org: "520603")
        #expect(device.state == .active && device.org == "520603")
        let added = try #require(registry.admission.lookup(path: "cam/team7-cam2"))
        #expect(!added.revoked && added.organisation == "520603" && added.areaCodes == ["520600", "520603"])
        #expect(await streamed.next() == SourceChange(path: "cam/team7-cam2", kind: .added))

        let rotated = try await registry.rotateDeviceKey(id: "team7-cam2")
        #expect(rotated.passphrase != added.passphrase && KeyGenerator.isPassphrase(rotated.passphrase))
        #expect(rotated.streamId == "#!::r=cam/team7-cam2,m=publish")
        #expect(registry.admission.lookup(path: "cam/team7-cam2")?.passphrase == rotated.passphrase)
        #expect(try await registry.provisioning(path: "cam/team7-cam2").passphrase == rotated.passphrase)
        #expect(await streamed.next() == SourceChange(path: "cam/team7-cam2", kind: .keyRotated))

        let history = try await registry.keyHistory(path: "cam/team7-cam2")
        #expect(history.count == 2 && history[0].retiredAt != nil && history[1].retiredAt == nil)

        let revoked = try await registry.revokeDevice(id: "team7-cam2")
        #expect(revoked.state == .revoked)
        #expect(registry.admission.lookup(path: "cam/team7-cam2")?.revoked == true)
        #expect(await streamed.next() == SourceChange(path: "cam/team7-cam2", kind: .revoked))
        #expect(log.kinds(for: "cam/team7-cam2") == [.added, .keyRotated, .revoked])

        // Revoking again is a no-op; a revoked device has no usable key.
        try await registry.revokeDevice(id: "team7-cam2")
        #expect(log.kinds(for: "cam/team7-cam2").count == 3)
        await expectRegistryError(.conflict) { _ = try await registry.rotateDeviceKey(id: "team7-cam2") }
        await expectRegistryError(.conflict) { _ = try await registry.provisioning(path: "cam/team7-cam2") }

        // Rooms and halls rotate too.
        let roomBefore = try #require(registry.admission.lookup(path: "room/520628101201"))
        let roomKey = try await registry.rotateKey(path: "room/520628101201")
        #expect(roomKey.passphrase != roomBefore.passphrase)
        #expect(registry.admission.lookup(path: "room/520628101201")?.passphrase == roomKey.passphrase)
        #expect(log.kinds(for: "room/520628101201") == [.keyRotated])
        await expectRegistryError(.notFound) { _ = try await registry.rotateKey(path: "room/520628101299") }
        await expectRegistryError(.invalid) { _ = try await registry.rotateKey(path: "lab/x") }
    }

    @Test("the index is rebuilt identically from the database on reopen")
    func reopen() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let registry = try await seededRegistry(dir)
        _ = try await registry.addDevice(id: "x1", name: "x1", org: "520600-fire")
        _ = try await registry.rotateKey(path: "hall/520600")
        try await registry.revokeDevice(id: "bc-520602001")
        let before = Set(registry.admission.allEntries())
        try registry.close()

        let reopened = try Registry.open(directory: dir.url)
        #expect(Set(reopened.admission.allEntries()) == before)
        #expect(reopened.admission.lookup(path: "cam/bc-520602001")?.revoked == true)
    }

    @Test("reload picks up a change another process committed")
    func externalChange() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let server = try await seededRegistry(dir)
        #expect(try await server.reload(onlyIfChangedExternally: true) == 0)
        let log = ChangeLog()
        server.onSourceChanged = { log.record($0) }

        // A second connection, as the CLI would open while the server runs.
        let cli = try Registry.open(directory: dir.url)
        _ = try await cli.addDevice(id: "cli-cam", name: "CLI camera", org: "520602")
        try await cli.revokeDevice(id: "bc-520603001")
        try cli.close()

        #expect(server.admission.lookup(path: "cam/cli-cam") == nil)
        #expect(try await server.reload(onlyIfChangedExternally: true) == 2)
        #expect(server.admission.lookup(path: "cam/cli-cam") != nil)
        #expect(server.admission.lookup(path: "cam/bc-520603001")?.revoked == true)
        #expect(log.kinds(for: "cam/bc-520603001") == [.revoked])
        // Nothing new: the cheap check finds no external commit.
        #expect(try await server.reload(onlyIfChangedExternally: true) == 0)
    }
}
