import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The few POSIX calls durability needs, with errors that name the file: `O_EXCL` creation,
/// positioned writes, `fdatasync`, `fsync` of a directory, truncation and free space.
enum DiskFile {
    struct Failure: Error, CustomStringConvertible {
        var operation: String
        var path: String
        var code: Int32
        var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
        var isNoSpace: Bool { code == ENOSPC || code == EDQUOT }
    }

    static func create(_ path: String) throws(Failure) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(operation: "create", path: path, code: errno) }
        return fd
    }

    static func openForAppend(_ path: String) throws(Failure) -> Int32 {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(operation: "open", path: path, code: errno) }
        return fd
    }

    static func openForReading(_ path: String) throws(Failure) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(operation: "open", path: path, code: errno) }
        return fd
    }

    static func size(_ fd: Int32, path: String) throws(Failure) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Failure(operation: "stat", path: path, code: errno) }
        return Int64(info.st_size)
    }

    /// Up to `length` bytes at `offset`: fewer only at the end of the file.
    static func read(_ fd: Int32, at offset: Int64, length: Int, path: String) throws(Failure) -> [UInt8] {
        guard length > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: length)
        var filled = 0
        while filled < length {
            let result = bytes.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + filled, length - filled, off_t(offset) + off_t(filled))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "read", path: path, code: errno)
            }
            if result == 0 { break }
            filled += result
        }
        if filled < length { bytes.removeLast(length - filled) }
        return bytes
    }

    static func write(_ fd: Int32, _ bytes: [UInt8], at offset: Int64, path: String) throws(Failure) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                pwrite(fd, raw.baseAddress! + written, raw.count - written, off_t(offset) + off_t(written))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "write", path: path, code: errno)
            }
            written += result
        }
    }

    static func syncData(_ fd: Int32, path: String) throws(Failure) {
        guard fdatasync(fd) == 0 else { throw Failure(operation: "fdatasync", path: path, code: errno) }
    }

    static func truncate(_ fd: Int32, to length: Int64, path: String) throws(Failure) {
        guard ftruncate(fd, off_t(length)) == 0 else { throw Failure(operation: "truncate", path: path, code: errno) }
    }

    /// Unlinks `path`; a name already gone is not an error.
    static func remove(_ path: String) throws(Failure) {
        guard unlink(path) == 0 || errno == ENOENT else { throw Failure(operation: "unlink", path: path, code: errno) }
    }

    /// `fsync` of a directory: a file created in it survives a power cut with its name.
    static func syncDirectory(_ path: String) throws(Failure) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(operation: "open directory", path: path, code: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure(operation: "fsync directory", path: path, code: errno) }
    }

    /// Creates `path` and its missing parents, syncing each parent a new directory was made in.
    static func makeDirectories(_ path: String) throws(Failure) {
        var missing: [String] = []
        var current = path
        while !current.isEmpty, current != "/", access(current, F_OK) != 0 {
            missing.append(current)
            current = (current as NSString).deletingLastPathComponent
        }
        for directory in missing.reversed() {
            if mkdir(directory, 0o755) != 0 && errno != EEXIST {
                throw Failure(operation: "mkdir", path: directory, code: errno)
            }
            try syncDirectory((directory as NSString).deletingLastPathComponent)
        }
    }

    /// Bytes free for an unprivileged writer on the file system holding `path`.
    static func freeBytes(_ path: String) -> Int64? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    static func readAll(_ path: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return [UInt8](data)
    }
}
