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
}
