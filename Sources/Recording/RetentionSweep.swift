import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// What one retention sweep did.
public struct SweepReport: Sendable, Equatable {
    public struct Deletion: Sendable, Equatable {
        public var path: String
        public var file: String
        public var reason: String
        public var bytes: Int64
    }

    /// Files old enough that routine retention could have expired them (the others are not looked at).
    public var examined = 0
    public var deleted: [Deletion] = []
    /// Files that were due but are still indexed (could not be unlinked, or the index refused),
    /// and a sweep that could not read the index: one line each, as logged.
    public var failures: [String] = []

    public var bytesFreed: Int64 { deleted.reduce(0) { $0 + $1.bytes } }

    public init() {}
}

/// Deletes what `RetentionPolicy` says has expired: unlink the file, `fsync` its directory, then
/// remove it from the index, which writes `file.deleted` with the reason in the ledger (one
/// transaction). A file that cannot be unlinked stays indexed (and is tried again next sweep); a
/// file already gone from disk is removed from the index with that said in the reason. Day
/// directories left empty are removed. Runs in the background every
/// `recording.retentionIntervalSeconds`; nothing here runs on a receive loop.
public enum RetentionSweep {
    public static func run(directory: URL, index: any RecordingIndex, incidents: [String: IncidentRetention],
                           configuration: RecordingConfiguration, now: Date, logger: Logger) -> SweepReport {
        var report = SweepReport()
        let files: [RecordedFile]
        let links: [SessionLink]
        let marks: [EvidenceMark]
        let holds: [LegalHold]
        do {
            // Routine is the shortest class and every file is at least routine: only a file that
            // began before the routine cutoff can have expired.
            let cutoff = now.addingTimeInterval(-Double(configuration.retentionDays) * RetentionPolicy.day)
            files = try index.files(path: nil, from: nil, to: cutoff)
            links = try index.links(path: nil, incidentID: nil, sessionID: nil)
            marks = try index.evidenceMarks(includeReleased: false)
            holds = try index.holds()
        } catch {
            let line = "retention: cannot read the recording index, nothing deleted: \(error)"
            logger.error("\(line)")
            report.failures.append(line)
            return report
        }
        report.examined = files.count
        let expired = RetentionPolicy.expired(files: files, links: links, incidents: incidents, marks: marks, holds: holds,
                                              configuration: configuration, now: now)
        for (file, reason) in expired {
            switch delete(file, reason: reason, directory: directory, index: index, now: now, logger: logger) {
            case .success(let deletion): report.deleted.append(deletion)
            case .failure(let failure): report.failures.append(failure.line)
            }
        }
        if !report.deleted.isEmpty {
            logger.info("retention: deleted \(report.deleted.count) file(s), \(report.bytesFreed / 1_048_576) MiB")
        }
        return report
    }

    struct Failure: Error {
        var line: String
    }

    static func delete(_ file: RecordedFile, reason: String, directory: URL, index: any RecordingIndex, now: Date,
                       logger: Logger) -> Result<SweepReport.Deletion, Failure> {
        // The name comes from the index: only a name of the recording layout is unlinked.
        guard RecordingLayout.parse(file.name) != nil, !file.name.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
            let line = "retention: \(file.name) is not a recording file name; not deleted"
            logger.error("\(line)")
            return .failure(Failure(line: line))
        }
        let fullPath = directory.appendingPathComponent(file.name).path
        let dayDirectory = (fullPath as NSString).deletingLastPathComponent
        var info = stat()
        let bytes = stat(fullPath, &info) == 0 ? Int64(info.st_size) : 0
        var ledgerReason = reason
        if unlink(fullPath) != 0 {
            let code = errno
            guard code == ENOENT else {
                let line = "retention: cannot delete \(file.name) (\(reason)): \(String(cString: strerror(code))); it stays indexed"
                logger.error("\(line)")
                return .failure(Failure(line: line))
            }
            logger.warning("retention: \(file.name) was already gone from disk; removing it from the index")
            ledgerReason += "; the file was already missing"
        }
        // Its seal goes with it (the ledger's file.deleted entry says the file is gone).
        EvidenceSealer.removeSeal(besides: fullPath)
        do {
            try DiskFile.syncDirectory(dayDirectory)
        } catch {
            logger.error("retention: \(error)")
        }
        do {
            try index.deleteFile(id: file.id, reason: ledgerReason, at: now)
        } catch {
            let line = "retention: \(file.name) deleted from disk but not from the index (\(error)); verify will report it removed"
            logger.error("\(line)")
            return .failure(Failure(line: line))
        }
        logger.info("retention: deleted \(file.name): \(ledgerReason)")
        // An empty day directory goes too (rmdir refuses a directory that is not empty).
        if rmdir(dayDirectory) == 0 {
            try? DiskFile.syncDirectory((dayDirectory as NSString).deletingLastPathComponent)
        }
        return .success(SweepReport.Deletion(path: file.path, file: file.name, reason: ledgerReason, bytes: bytes))
    }
}
