import Foundation
import GRDB
import Testing
@testable import RoomRegistry

@Suite("Storage failures")
struct StorageFailureTests {
    /// Root ignores file modes, so as root the file is also made immutable (chattr +i), which
    /// binds root too. Returns a closure that undoes it.
    private func makeReadOnly(_ url: URL) throws -> () -> Void {
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: url.path)
        var immutable = false
        if getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/chattr") {
            immutable = run("/usr/bin/chattr", ["+i", url.path])
        }
        return {
            if immutable { _ = run("/usr/bin/chattr", ["-i", url.path]) }
            try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
        }
    }

    private func run(_ tool: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        do {
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus == 0
        } catch {
            return false
        }
    }

    @Test("a read-only database file gives a clear error on write, reads still work")
    func readOnlyFile() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        do {
            let registry = try Registry.open(directory: dir.url)
            try await registry.importCSV(smallCSV)
            try registry.close()
        }
        let file = dir.url.appendingPathComponent(Registry.databaseFileName)
        let restore = try makeReadOnly(file)
        defer { restore() }
        let rootWithoutImmutable = getuid() == 0 && !FileManager.default.isExecutableFile(atPath: "/usr/bin/chattr")

        let registry: Registry
        do {
            registry = try Registry.open(directory: dir.url, options: RegistryOptions(readOnly: rootWithoutImmutable))
        } catch let error as RegistryError {
            // Refusing to open at all is acceptable too, as long as it is a clear registry error.
            #expect([.readOnly, .storage].contains(error.code), "\(error)")
            return
        }
        #expect(try await registry.counts().rooms == 2)
        let error = await expectRegistryError(.readOnly) {
            _ = try await registry.addDevice(id: "cam1", name: "x", org: "520600")
        }
        #expect(error?.message.contains("read-only") == true)
        registry.status.update(path: "room/520602001201", status: .online)
        let flushError = await expectRegistryError(.readOnly) { try await registry.status.flush() }
        #expect(flushError != nil)
        #expect(try await registry.devices().isEmpty, "no partial write")
        #expect(registry.admission.lookup(path: "cam/cam1") == nil, "the index did not move")
    }

    @Test("a registry opened read-only refuses writes and needs an existing database")
    func readOnlyOption() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        await expectRegistryError(.notFound) { _ = try Registry.open(directory: dir.url, options: RegistryOptions(readOnly: true)) }
        do {
            let registry = try Registry.open(directory: dir.url)
            try await registry.importCSV(smallCSV)
            try registry.close()
        }
        let reader = try Registry.open(directory: dir.url, options: RegistryOptions(readOnly: true))
        #expect(reader.isReadOnly)
        #expect(try await reader.rooms().rooms.count == 2)
        #expect(reader.admission.lookup(path: "room/520602001201") != nil)
        await expectRegistryError(.readOnly) { _ = try await reader.rotateKey(path: "room/520602001201") }
        await expectRegistryError(.readOnly) { try await reader.status.resetAllOffline() }
    }

    @Test("a database locked by another writer gives .busy after the timeout, then works")
    func locked() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        do {
            let registry = try Registry.open(directory: dir.url)
            try await registry.importCSV(smallCSV)
            try registry.close()
        }
        let registry = try Registry.open(directory: dir.url, options: RegistryOptions(busyTimeout: 0.2))
        // Another process's connection holding the write lock.
        var config = Configuration()
        config.allowsUnsafeTransactions = true   // keep BEGIN open across accesses, like a stuck writer
        let holder = try DatabaseQueue(path: dir.url.appendingPathComponent(Registry.databaseFileName).path, configuration: config)
        try holder.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE") }

        let error = await expectRegistryError(.busy) {
            _ = try await registry.addDevice(id: "cam1", name: "x", org: "520600")
        }
        #expect(error?.message.contains("locked") == true)
        #expect(registry.admission.lookup(path: "cam/cam1") == nil)
        // Reads are not blocked by a writer in WAL mode.
        #expect(try await registry.rooms().rooms.count == 2)

        try holder.inDatabase { try $0.execute(sql: "ROLLBACK") }
        _ = try await registry.addDevice(id: "cam1", name: "x", org: "520600")
        #expect(registry.admission.lookup(path: "cam/cam1") != nil)
    }

    @Test("a file that is not a database is refused with a storage error")
    func notADatabase() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try Data(repeating: 0x41, count: 8_192).write(to: dir.url.appendingPathComponent(Registry.databaseFileName))
        let error = await expectRegistryError(.storage) { _ = try Registry.open(directory: dir.url) }
        #expect(error?.message.isEmpty == false)
    }
}
