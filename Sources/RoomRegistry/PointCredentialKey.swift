import Crypto
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The key that encrypts points' credentials: 32 random bytes in `<data>/points.key` (mode 0600),
/// outside the database, so that a copied database file does not leak every camera password.
///
/// Made when the first credential is written, never replaced: with credentials stored and the file
/// gone (or another key in its place) the registry refuses to open, because a new key would make
/// every stored password unreadable without saying so. Each credential is an AES-GCM sealed box
/// (nonce, ciphertext, tag) bound to its point's id as associated data, so a box copied onto
/// another row does not open.
final class PointCredentialKey: Sendable {
    static let fileName = "points.key"
    static let length = 32
    private static let domain = "fieldrelay point credentials v1|"

    /// The file, or nil for an in-memory registry (whose key lives as long as it does).
    let url: URL?
    private let loaded: Mutex<[UInt8]?>

    /// The key kept in `<directory>/points.key`.
    convenience init(directory: URL) {
        self.init(url: directory.appendingPathComponent(Self.fileName), key: nil)
    }

    /// A key in memory only, for an in-memory registry.
    static func inMemory() -> PointCredentialKey {
        PointCredentialKey(url: nil, key: randomBytes())
    }

    private init(url: URL?, key: [UInt8]?) {
        self.url = url
        loaded = Mutex(key)
    }

    var path: String { url?.path ?? "(memory)" }

    /// The key from the file, nil when there is none. A file of the wrong size is refused.
    func existing() throws -> [UInt8]? {
        if let key = loaded.withLock({ $0 }) { return key }
        guard let url else { return nil }
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw RegistryError(.storage, "cannot read \(url.path): \(error.localizedDescription)")
        }
        guard data.count == Self.length else {
            throw RegistryError(.storage, "\(url.path) holds \(data.count) bytes, not a \(Self.length)-byte key; restore the original points.key")
        }
        let key = Array(data)
        loaded.withLock { $0 = key }
        return key
    }

    /// The key, made (and written, 0600) if there is none yet: the first credential stored.
    func forWriting() throws -> [UInt8] {
        if let key = try existing() { return key }
        guard let url else { throw RegistryError(.storage, "an in-memory registry lost its key") }
        let bytes = Self.randomBytes()
        let temporary = try AdminToken.writeTemporary(for: url, bytes: bytes)
        defer { unlink(temporary) }
        // link(2): atomic, and refused if another process made the key meanwhile; then theirs is the key.
        guard link(temporary, url.path) == 0 else {
            let err = errno
            if err == EEXIST, let theirs = try existing() { return theirs }
            throw RegistryError(.storage, "cannot create \(url.path): \(String(cString: strerror(err)))")
        }
        let directory = open(url.deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
        loaded.withLock { $0 = bytes }
        return bytes
    }

    func seal(_ credentials: PointCredentials, pointID: String, key: [UInt8]) throws -> Data {
        do {
            let box = try AES.GCM.seal(credentials.plaintext, using: SymmetricKey(data: key),
                                       authenticating: Array((Self.domain + pointID).utf8))
            guard let combined = box.combined else { throw RegistryError(.storage, "AES-GCM gave no combined box") }
            return combined
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(.storage, "cannot encrypt the credentials of point '\(pointID)': \(error)")
        }
    }

    func unseal(_ sealed: Data, pointID: String) throws -> PointCredentials {
        guard let key = try existing() else {
            throw RegistryError(.storage, "point '\(pointID)' has stored credentials but \(path) is missing; restore the original key")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            let plain = try AES.GCM.open(box, using: SymmetricKey(data: key), authenticating: Array((Self.domain + pointID).utf8))
            guard let credentials = PointCredentials(plaintext: Array(plain)) else {
                throw RegistryError(.storage, "the stored credentials of point '\(pointID)' are damaged")
            }
            return credentials
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(.storage, "the stored credentials of point '\(pointID)' do not open with \(path): it is not the key "
                                + "they were written with (restore the original points.key), or the row was altered")
        }
    }

    /// At open: credentials stored need the key that wrote them. `sample` is one stored credential
    /// (its point's id and sealed box); `count` how many points have one.
    func verify(sample: (id: String, sealed: Data)?, count: Int) throws {
        guard let sample else { return }
        guard try existing() != nil else {
            throw RegistryError(.storage, "\(count) points have stored credentials but \(path) is missing; restore it from the backup "
                                + "kept with the database (the credentials cannot be read without it, and a new key is never made over them)")
        }
        _ = try unseal(sample.sealed, pointID: sample.id)
    }

    private static func randomBytes() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
