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
