import Evidence
import Foundation
import TestSupport
import Testing

func evidenceTemporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("fieldrelay-evidence-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite struct EvidenceKeyTests {
    @Test func keyIsCreatedOnceWith0600AndReadsBack() throws {
        let directory = try evidenceTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/evidence.key"
        let (first, created) = try EvidenceKey.loadOrCreate(at: path, sealsExist: { false })
        #expect(created)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let (second, createdAgain) = try EvidenceKey.loadOrCreate(at: path, sealsExist: { true })
        #expect(!createdAgain)
        #expect(second.publicKey == first.publicKey)
        let message = Data("seal".utf8)
        #expect(first.publicKey.verify(second.sign(message), of: message))
        #expect(!first.publicKey.verify(second.sign(message), of: Data("seaL".utf8)))
        #expect(!EvidenceKey.generate().publicKey.verify(first.sign(message), of: message))
    }

    @Test func aMissingKeyBesideSealsStopsTheStart() throws {
        let directory = try evidenceTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: EvidenceError.self) {
            _ = try EvidenceKey.loadOrCreate(at: directory + "/evidence.key", sealsExist: { true })
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/evidence.key"))
    }

    @Test func aGarbledKeyIsRefusedNotReplaced() throws {
        let directory = try evidenceTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "not a key\n".write(toFile: directory + "/evidence.key", atomically: true, encoding: .utf8)
        #expect(throws: EvidenceError.self) {
            _ = try EvidenceKey.loadOrCreate(at: directory + "/evidence.key", sealsExist: { false })
        }
        #expect(try String(contentsOfFile: directory + "/evidence.key", encoding: .utf8) == "not a key\n")
    }

    /// openssl reads both PEMs and derives the same public key; the key id is the first 8 bytes of
    /// the SHA-256 of the DER public key, as `openssl … -outform DER | sha256sum` gives it; a
    /// signature openssl makes with the key file verifies here.
    @Test func opensslReadsTheKeysAndAgreesOnTheIdAndSignatures() async throws {
        let directory = try evidenceTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keyPath = directory + "/evidence.key"
        let (key, _) = try EvidenceKey.loadOrCreate(at: keyPath, sealsExist: { false })
        let publicPath = directory + "/key.pem"
        try key.publicKey.pem.write(toFile: publicPath, atomically: true, encoding: .utf8)
        let derived = try await Subprocess.run("openssl", ["pkey", "-in", keyPath, "-pubout"])
        #expect(derived.0 == 0)
        #expect(derived.1 == key.publicKey.pem)
        let id = try await Subprocess.run("/bin/sh", ["-c", "openssl pkey -pubin -in '\(publicPath)' -outform DER | sha256sum | cut -c1-16"])
        #expect(id.1.trimmingCharacters(in: .whitespacesAndNewlines) == key.publicKey.id)
        let message = directory + "/message"
        try Data("what the scene showed".utf8).write(to: URL(fileURLWithPath: message))
        let signed = try await Subprocess.run("openssl", ["pkeyutl", "-sign", "-inkey", keyPath, "-rawin", "-in", message, "-out", directory + "/sig"])
        #expect(signed.0 == 0, "\(signed.2)")
        let signature = try Data(contentsOf: URL(fileURLWithPath: directory + "/sig"))
        #expect(key.publicKey.verify(signature, of: Data("what the scene showed".utf8)))
    }
}
