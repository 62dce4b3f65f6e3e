import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file helpers for the files kept beside the database: created with their mode given
/// to open(2) (never readable by others, not even for a moment), replaced atomically, and synced.
enum SecretFile {
    /// Creates `url` exclusively with `mode` holding `bytes`. Returns false if the file already
    /// existed (another process won the race), throws on any other failure.
    ///
    /// The file appears whole or not at all: the bytes go into a temporary file beside it, which is
    /// synced and then published under the final name with link(2) — atomic, and refused with
    /// EEXIST if the name exists, so the O_EXCL race rule holds. Opening the final name with O_EXCL
    /// and writing into it would leave an empty file if the process were killed in between, and the
    /// loaders rightly refuse an empty key: the gateway would not start again by itself.
    static func createExclusive(_ url: URL, bytes: [UInt8], mode: mode_t = 0o600) throws -> Bool {
        let temporary = try writeTemporary(for: url, bytes: bytes, mode: mode)
        return try publish(temporary, as: url)
    }

    /// The first half of `createExclusive`: a synced temporary file beside `url`, named
    /// `<name>.tmp-<pid>-<random>`. A crash after this leaves only that file, never a partial `url`.
    static func writeTemporary(for url: URL, bytes: [UInt8], mode: mode_t = 0o600) throws -> String {
        let temporary = url.path + ".tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let err = errno
            throw ReportingStoreError(.storage, "cannot create \(temporary): \(String(cString: strerror(err)))")
        }
        // umask cannot widen the mode, but an inherited ACL default could; make it explicit.
        _ = fchmod(fd, mode)
        do {
            try writeAll(fd, bytes, path: temporary)
            guard fsync(fd) == 0 else {
                let err = errno
                throw ReportingStoreError(.storage, "cannot sync \(temporary): \(String(cString: strerror(err)))")
            }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        return temporary
    }

    /// The second half: links `temporary` to `url` unless `url` exists, removes `temporary`, syncs
    /// the directory. Returns false if `url` already existed.
    static func publish(_ temporary: String, as url: URL) throws -> Bool {
        defer { unlink(temporary) }
        guard link(temporary, url.path) == 0 else {
            let err = errno
            if err == EEXIST { return false }
            throw ReportingStoreError(.storage, "cannot create \(url.path): \(String(cString: strerror(err)))")
        }
        syncDirectory(of: url)
        return true
    }

    /// Replaces `url` atomically: write a temporary file beside it, fsync it, rename it over the
    /// old one, fsync the directory. A reader sees the old file or the new one, never half of one,
    /// and after a crash the new one is there or the old one is.
    static func replaceAtomically(_ url: URL, bytes: [UInt8], mode: mode_t = 0o600) throws {
        let temporary = url.path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let err = errno
            throw ReportingStoreError(.storage, "cannot create \(temporary): \(String(cString: strerror(err)))")
        }
        _ = fchmod(fd, mode)
        do {
            try writeAll(fd, bytes, path: temporary)
            guard fsync(fd) == 0 else {
                let err = errno
                throw ReportingStoreError(.storage, "cannot sync \(temporary): \(String(cString: strerror(err)))")
            }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, url.path) == 0 else {
            let err = errno
            unlink(temporary)
            throw ReportingStoreError(.storage, "cannot rename \(temporary) to \(url.path): \(String(cString: strerror(err)))")
        }
        // The rename itself lives in the directory; sync it too so it survives a power cut.
        syncDirectory(of: url)
    }

    private static func syncDirectory(of url: URL) {
        let directory = open(url.deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }

    /// The file's bytes, or nil if it does not exist.
    static func read(_ url: URL) throws -> Data? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ReportingStoreError(.storage, "cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress.map { $0 + offset }, bytes.count - offset)
            }
            if written < 0 {
                let err = errno
                if err == EINTR { continue }
                throw ReportingStoreError(.storage, "cannot write \(path): \(String(cString: strerror(err)))")
            }
            offset += written
        }
    }
}
