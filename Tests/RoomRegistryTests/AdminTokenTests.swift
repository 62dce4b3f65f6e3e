import Foundation
import Testing
@testable import RoomRegistry

@Suite("Admin token")
struct AdminTokenTests {
    @Test("created once with mode 0600, then read back")
    func createThenRead() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let first = try AdminToken.loadOrCreate(directory: dir.url.appendingPathComponent("data"))
        #expect(first.created)
        #expect(first.path.lastPathComponent == "admin.token")
        #expect(first.token.count == 40 && first.token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        let attributes = try FileManager.default.attributesOfItem(atPath: first.path.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let second = try AdminToken.loadOrCreate(directory: dir.url.appendingPathComponent("data"))
        #expect(!second.created && second.token == first.token)
    }

    @Test("an empty token file is refused, not trusted")
    func emptyFile() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try Data().write(to: dir.url.appendingPathComponent("admin.token"))
        await expectRegistryError(.invalid) { _ = try AdminToken.loadOrCreate(directory: dir.url) }
    }
}

@Suite("Admin token: a creation cut short by a crash")
struct AdminTokenCrashTests {
    @Test("a creation killed before publication leaves no token file, and the next start makes a whole one")
    func cutShort() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let url = dir.url.appendingPathComponent(AdminToken.fileName)
        // The first half of a creation, as if the process were killed right after it: the token
        // sits whole in a temporary file, and the final name does not exist yet. (The old code
        // opened the final name with O_EXCL and then wrote; a kill in between left an empty file
        // that every later start refused.)
        let stray = try AdminToken.writeTemporary(for: url, bytes: Array("not-published-token-0123456789\n".utf8))
        #expect(!FileManager.default.fileExists(atPath: url.path))
        let created = try AdminToken.loadOrCreate(directory: dir.url)
        #expect(created.created && created.token.count == AdminToken.length)
        #expect(try AdminToken.loadOrCreate(directory: dir.url).token == created.token)
        #expect(FileManager.default.fileExists(atPath: stray), "a stray temporary file is left alone, not read")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(names.filter { $0.hasPrefix(AdminToken.fileName + ".tmp-") }.count == 1, "a successful creation leaves no temporary file")
    }

    @Test("a token created by another process first wins: it is read, not overwritten")
    func otherProcessFirst() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let theirs = "TheirTokenCreatedFirst0123456789abcdefgh"
        try Data((theirs + "\n").utf8).write(to: dir.url.appendingPathComponent(AdminToken.fileName))
        let loaded = try AdminToken.loadOrCreate(directory: dir.url)
        #expect(!loaded.created && loaded.token == theirs)
    }
}
