import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The admin bearer token, kept in `<data>/admin.token` with mode 0600.
public enum AdminToken {
    public static let fileName = "admin.token"
    /// 40 characters of [A-Za-z0-9]: about 238 bits.
    public static let length = 40

    /// Reads the token, or creates it on first use.
    /// - Returns: the token, the file's URL, and whether this call created it (the server prints the
    ///   path on first start).
    public static func loadOrCreate(directory: URL) throws -> (token: String, path: URL, created: Bool) {
        let url = directory.appendingPathComponent(fileName)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw RegistryError(.storage, "cannot create data directory \(directory.path): \(error.localizedDescription)")
        }
        if let token = try read(url) {
            return (token, url, false)
        }
        let token = KeyGenerator.passphrase(length: length)
        let temporary = try writeTemporary(for: url, bytes: Array((token + "\n").utf8))
        defer { unlink(temporary) }
        // Published with link(2): atomic, and refused with EEXIST if another process created the
        // file between our read and now — then we must not overwrite the token it already printed;
        // read theirs instead. Creating the final name with O_EXCL and writing into it would leave
        // an empty file if the process were killed in between, and an empty file is refused below,
        // so the gateway would not start again by itself.
        guard link(temporary, url.path) == 0 else {
            let err = errno
            if err == EEXIST, let token = try read(url) { return (token, url, false) }
            throw RegistryError(.storage, "cannot create \(url.path): \(String(cString: strerror(err)))")
        }
        let directory = open(url.deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
        return (token, url, true)
    }

    /// The token in a synced temporary file beside `url` (`<name>.tmp-<pid>-<random>`), created
    /// with mode 0600 given to open(2), so the secret is never readable by others, not even for a
    /// moment. A crash after this leaves only that file, never a partial `url`.
    static func writeTemporary(for url: URL, bytes: [UInt8]) throws -> String {
        let temporary = url.path + ".tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let err = errno
            throw RegistryError(.storage, "cannot create \(temporary): \(String(cString: strerror(err)))")
        }
        defer { close(fd) }
        // umask cannot widen the mode, but an inherited ACL default could; make 0600 explicit.
        _ = fchmod(fd, 0o600)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            let err = errno
            unlink(temporary)
            throw RegistryError(.storage, "cannot write \(temporary): \(String(cString: strerror(err)))")
        }
        return temporary
    }

    private static func read(_ url: URL) throws -> String? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw RegistryError(.storage, "cannot read \(url.path): \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RegistryError(.invalid, "\(url.path) does not hold a text token")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // An empty file (for example a crash between create and write) is refused rather than
        // silently accepted: an empty bearer token would match an empty header.
        guard token.utf8.count >= 16, !token.contains(where: { $0.isWhitespace }) else {
            throw RegistryError(.invalid, "\(url.path) holds no usable token (at least 16 characters, no spaces); delete it to generate a new one")
        }
        return token
    }
}
