import Evidence
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Signs a recording file's seal (`FileSeal`) with the gateway's evidence key when the file is
/// sealed, and keeps it beside the file as `<file>.seal.json` + `<file>.seal.sig` (issue 14).
/// The index seal and its ledger entry come first and are what recording relies on; a seal that
/// cannot be written (disk full) is logged and written at the next start with `signedAt` saying so.
public final class EvidenceSealer: Sendable {
    public let key: EvidenceKey
    public let directory: URL
    let logger: Logger

    public init(key: EvidenceKey, directory: URL, logger: Logger = Logger(label: "fieldrelay.evidence")) {
        self.key = key
        self.directory = directory
        self.logger = logger
    }

    /// The seal of a sealed file as its index rows and ledger entry state it.
    public func seal(of file: RecordedFile, fragments: [RecordedFragment], entry: LedgerEntry, signedAt: Date) -> FileSeal {
        FileSeal(
            keyId: key.publicKey.id, path: file.path, file: file.name, instance: file.instance, codecs: file.codecs,
            start: file.start.map(RecordingTime.format), end: file.end.map(RecordingTime.format),
            sealedAt: RecordingTime.format(file.sealedAt ?? entry.time), signedAt: RecordingTime.format(signedAt),
            recovered: file.recovered,
            initSection: .init(length: file.initLength, sha256: file.initHash.lowercaseHex),
            fragments: fragments.map {
                .init(sequence: $0.sequence, offset: $0.offset, length: $0.length, start: RecordingTime.format($0.start),
                      end: RecordingTime.format($0.end), sha256: $0.hash.lowercaseHex)
            },
            chainHead: (file.chainHead ?? Data()).lowercaseHex,
            ledger: .init(sequence: entry.sequence, hash: entry.hash.lowercaseHex))
    }

    /// Signs and writes the seal of `file` (just sealed in the index by `entry`). Never throws:
    /// a failure is logged, and `signMissing` writes it at the next start.
    @discardableResult
    public func sign(_ file: RecordedFile, entry: LedgerEntry, index: any RecordingIndex, signedAt: Date) -> Bool {
        do {
            let seal = seal(of: file, fragments: try index.fragments(fileID: file.id), entry: entry, signedAt: signedAt)
            let json = seal.encoded()
            let paths = FileSeal.paths(besides: directory.appendingPathComponent(file.name).path)
            // The signature first: a seal JSON without its signature never looks complete.
            try Self.writeDurably(key.sign(json), to: paths.signature)
            try Self.writeDurably(json, to: paths.json)
            return true
        } catch {
            logger.error("evidence: cannot write the seal of \(file.name): \(error); it is signed at the next start")
            return false
        }
    }

    /// At start, after recovery: signs every sealed file on disk whose seal is missing or
    /// incomplete (sealed before the gateway had a key, or the write failed), dated now.
    public func signMissing(index: any RecordingIndex, now: Date) -> (signed: Int, failed: Int) {
        var signed = 0, failed = 0
        let files: [RecordedFile]
        do {
            files = try index.sealedFiles()
        } catch {
            logger.error("evidence: cannot list sealed files to check their seals: \(error)")
            return (0, 0)
        }
        for file in files {
            let full = directory.appendingPathComponent(file.name).path
            let paths = FileSeal.paths(besides: full)
            guard FileManager.default.fileExists(atPath: full),
                  !(FileManager.default.fileExists(atPath: paths.json) && FileManager.default.fileExists(atPath: paths.signature)) else { continue }
            guard let entry = try? index.sealEntry(of: file) else {
                logger.error("evidence: \(file.name) is sealed in the index but no ledger entry seals it: not signed")
                failed += 1
                continue
            }
            if sign(file, entry: entry, index: index, signedAt: now) { signed += 1 } else { failed += 1 }
        }
        if signed > 0 { logger.notice("evidence: signed the seals of \(signed) file(s) sealed without one") }
        return (signed, failed)
    }

    /// Removes a file's seal (retention deleted the file).
    public static func removeSeal(besides fullPath: String) {
        let paths = FileSeal.paths(besides: fullPath)
        unlink(paths.json)
        unlink(paths.signature)
    }

    /// Whether any seal lies under the recording directory: a missing key beside them stops the start.
    public static func sealsExist(under directory: URL) -> Bool {
        guard let walker = FileManager.default.enumerator(atPath: directory.path) else { return false }
        while let name = walker.nextObject() as? String {
            if name.hasSuffix(".seal.sig") || name.hasSuffix(".seal.json") { return true }
        }
        return false
    }

    /// Temp file, write, fsync, rename over `path`.
    static func writeDurably(_ data: Data, to path: String) throws(DiskFile.Failure) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DiskFile.Failure(operation: "create", path: temporary, code: errno) }
        do {
            try DiskFile.write(fd, Array(data), at: 0, path: temporary)
            try DiskFile.syncData(fd, path: temporary)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw DiskFile.Failure(operation: "rename", path: path, code: code)
        }
    }
}
