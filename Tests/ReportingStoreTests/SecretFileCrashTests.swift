import Foundation
import Testing
@testable import ReportingStore

@Suite("Key files: a creation cut short by a crash")
struct SecretFileCrashTests {
    @Test("an audit key creation killed before publication leaves no key file; the next start makes a whole one")
    func auditKeyCutShort() throws {
        let directory = StoreFixture.temporaryDirectory()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(AuditKeyFile.fileName)
        // The first half of `createExclusive`, as if the process were killed right after it. The
        // old code opened audit.key with O_EXCL and then wrote: a kill in between left a 0-byte key
        // that every later start refused ("holds 0 bytes, not a 32-byte audit key").
        let stray = try SecretFile.writeTemporary(for: url, bytes: Array(repeating: 7, count: AuditKeyFile.length))
        #expect(!FileManager.default.fileExists(atPath: url.path))
        let key = try AuditKeyFile.loadOrCreate(directory: directory)
        #expect(key.created && key.key.count == AuditKeyFile.length)
        #expect(key.key != Data(repeating: 7, count: AuditKeyFile.length), "the unpublished bytes are never used")
        #expect(try AuditKeyFile.load(directory: directory) == key.key)
        #expect((try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) == 0o600)
        #expect(FileManager.default.fileExists(atPath: stray))
    }

    @Test("publication refuses to replace an existing file (the O_EXCL rule) and cleans its temporary file")
    func publishIsExclusive() throws {
        let directory = StoreFixture.temporaryDirectory()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("secret")
        #expect(try SecretFile.createExclusive(url, bytes: Array("first".utf8)))
        #expect(try !SecretFile.createExclusive(url, bytes: Array("second".utf8)))
        #expect(try SecretFile.read(url) == Data("first".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["secret"])
    }

    @Test("temporary files of writers that are gone are removed at start; a live writer's, and other names, are kept")
    func staleTemporaries() throws {
        let directory = StoreFixture.temporaryDirectory()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A pid that surely ended: a child process that has exited and been reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = child.processIdentifier
        let names = [
            "audit.checkpoint.tmp-\(dead)",                 // replaceAtomically, killed before its rename
            "audit.key.tmp-\(dead)-123456",                 // createExclusive, killed before its link
            "audit.checkpoint.tmp-\(getpid())",             // this pid: a previous start in a container
            "audit.checkpoint.tmp-1",                       // init is alive: kept
            "audit.checkpoint.tmp-x1", "audit.checkpoint.tmp-1-2-3", "reporting.sqlite.tmp-\(dead)", "audit.checkpoint",
        ]
        for name in names {
            try Data("x".utf8).write(to: directory.appendingPathComponent(name))
        }
        let removed = StaleTemporaryFiles.remove(in: directory, names: [CheckpointFile.fileName, AuditKeyFile.fileName])
        #expect(removed == ["audit.checkpoint.tmp-\(dead)", "audit.checkpoint.tmp-\(getpid())", "audit.key.tmp-\(dead)-123456"].sorted())
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
        #expect(left == ["audit.checkpoint.tmp-1", "audit.checkpoint.tmp-x1", "audit.checkpoint.tmp-1-2-3", "reporting.sqlite.tmp-\(dead)", "audit.checkpoint"])
    }
}
