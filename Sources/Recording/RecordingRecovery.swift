import Evidence
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// What recovery did, file by file, for the log and for tests.
public struct RecoveryReport: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        /// An open file cut back to what verifies, the fragments found after its index added, sealed.
        case recovered
        /// In the index but not on disk: sealed as indexed (its rows kept, so the loss stays visible).
        case missing
        /// Indexed bytes no longer match their hash: left exactly as found and sealed as indexed,
        /// so `verify` keeps naming the fragment instead of recovery hiding it.
        case altered
        /// On disk but not in the index: indexed from its own boxes and sealed.
        case rebuilt
        /// On disk, not in the index, named as the writer names files and empty: the writer was
        /// killed between creating it and writing its init section. Nothing was in it: removed.
        case removed
        /// On disk, not in the index, and not a file the writer could have left: left alone.
        case skipped
        /// Could not be read or cut: left as it was, open in the index, tried again at the next start.
        case failed
    }

    public struct Line: Sendable, Codable, Equatable, CustomStringConvertible {
        public var file: String
        public var outcome: Outcome
        public var message: String
        public var description: String { "\(file): \(outcome.rawValue): \(message)" }
    }

    public var lines: [Line] = []
    /// Indexed fragments whose bytes verified.
    public var fragmentsKept = 0
    /// Complete fragments found in the files without index rows, now indexed as recovered.
    public var fragmentsRecovered = 0
    /// Index rows dropped because their bytes never reached the file.
    public var fragmentsRemoved = 0
    /// Bytes cut off the files' ends (torn last writes).
    public var bytesCut: Int64 = 0

    public init() {}

    public func count(_ outcome: Outcome) -> Int { lines.count(where: { $0.outcome == outcome }) }

    /// False when the run left the index and the files as it found them (a second run).
    public var changedAnything: Bool {
        lines.contains { $0.outcome != .skipped && $0.outcome != .failed }
    }

    public var summary: String {
        "recording recovery: \(count(.recovered)) open file(s) sealed (\(fragmentsKept) fragment(s) kept, "
            + "\(fragmentsRecovered) recovered, \(fragmentsRemoved) index row(s) without bytes removed, \(bytesCut) byte(s) cut), "
            + "\(count(.rebuilt)) indexed from the files, \(count(.removed)) empty removed, \(count(.missing)) missing, \(count(.altered)) altered, "
            + "\(count(.skipped)) skipped, \(count(.failed)) failed"
    }
}

/// Crash recovery, run at start before any writer: no file depends on a trailer written at close,
/// so everything a crash leaves is put right from the files and the index alone.
///
/// - Each file the index has open is cut back to its last fragment whose bytes match the index;
///   complete fragments after it that were written but not indexed are hashed and indexed (marked
///   recovered); what follows (a torn last write) is cut off; the file is sealed in the ledger as
///   recovered. The writer syncs a fragment before indexing it, so after kill -9 or a power cut
///   the index only ever runs short of the file, never ahead of it: an indexed fragment whose
///   bytes are present but differ is not a crash but damage or tampering, and is left as found.
/// - Files on disk the index does not know (the index lost, or behind them) are indexed from
///   their own boxes and sealed as recovered, unless the ledger records their deletion. An empty
///   one (the writer creates a file, then writes its init section: a kill between the two leaves
///   the name with no bytes) is removed: it holds nothing, and left in place it would stay
///   unindexed and be warned about at every start.
///
/// Run it before any writer starts: it cuts the ends of files a writer would be appending to.
/// Every step is safe to repeat after a crash during recovery, and a second run changes nothing.
public struct RecordingRecovery {
    public static func run(directory: URL, index: any RecordingIndex, now: Date, logger: Logger) throws -> RecoveryReport {
        var report = RecoveryReport()
        for file in try index.unsealedFiles() {
            let line = try recoverOpenFile(file, directory: directory, index: index, now: now, report: &report)
            report.lines.append(line)
            log(line, logger)
        }
        let indexed = Set(try index.files(path: nil, from: nil, to: nil).map(\.name))
        var deletions: [String: Int64]?
        for name in recordingFileNames(in: directory) where !indexed.contains(name) {
            // Retention is to drop the index row (writing file.deleted) before unlinking the file:
            // a crash between the two leaves a file the ledger says is gone, which must not come back.
            if deletions == nil {
                do {
                    deletions = try deletedFiles(index)
                } catch {
                    logger.error("recording recovery: the ledger cannot be read (\(error)): files not in the index are indexed without checking it for their deletion")
                    deletions = [:]
                }
            }
            let line: RecoveryReport.Line
            if let entry = deletions?[name] {
                line = RecoveryReport.Line(file: name, outcome: .skipped,
                                           message: "its deletion is in the ledger (entry \(entry)) but the file remains: not indexed again, left for removal")
            } else {
                line = try rebuild(name: name, directory: directory, index: index, now: now, report: &report)
            }
            report.lines.append(line)
            log(line, logger)
        }
        if !report.lines.isEmpty { logger.notice("\(report.summary)") }
        return report
    }

    static func log(_ line: RecoveryReport.Line, _ logger: Logger) {
        switch line.outcome {
        case .recovered, .rebuilt, .removed: logger.notice("recording recovery: \(line)")
        case .skipped: logger.warning("recording recovery: \(line)")
        case .missing, .altered, .failed: logger.error("recording recovery: \(line)")
        }
    }

    // MARK: - open files

    static func recoverOpenFile(_ file: RecordedFile, directory: URL, index: any RecordingIndex, now: Date,
                                report: inout RecoveryReport) throws -> RecoveryReport.Line {
        let rows = try index.fragments(fileID: file.id)
        func line(_ outcome: RecoveryReport.Outcome, _ message: String) -> RecoveryReport.Line {
            RecoveryReport.Line(file: file.name, outcome: outcome, message: message)
        }
        /// Seals over the index as it stands, changing neither the rows nor the bytes.
        func sealAsIndexed(_ detail: [String: String]) throws {
            let head = FragmentChain.head(initHash: file.initHash, fragments: rows.map(\.hash))
            _ = try index.sealFile(id: file.id, at: now, chainHead: head, recovered: true, detail: detail)
        }

        let reader: RecordingFileReader
        do {
            reader = try RecordingFileReader(path: directory.appendingPathComponent(file.name).path, writable: true)
        } catch where error.code == ENOENT {
            try sealAsIndexed(["reason": "recovery: the file is missing", "missing": "true"])
            return line(.missing, "in the index with \(rows.count) fragment(s) but not on disk: sealed as indexed, its rows kept")
        } catch {
            return line(.failed, "\(error): left open, tried again at the next start")
        }

        do {
            let initBytes = try reader.read(at: 0, length: file.initLength)
            guard Int64(initBytes.count) == file.initLength, FragmentChain.hash(initBytes) == file.initHash else {
                try sealAsIndexed(["reason": "recovery: the init section does not match the index", "altered": "init"])
                return line(.altered, "the init section does not match its index hash: left as found, sealed as indexed")
            }
            let tracks = MP4Boxes.tracks(initSection: initBytes)

            // The indexed prefix whose bytes are all there and match.
            var end = file.initLength
            var kept: [RecordedFragment] = []
            for row in rows {
                guard row.offset == end else {
                    try sealAsIndexed(["reason": "recovery: the index does not place its fragments end to end", "altered": String(row.sequence)])
                    return line(.altered, "the index places fragment \(row.sequence) at offset \(row.offset), not where the one before it ends (\(end)): "
                                + "left as found, sealed as indexed")
                }
                guard row.offset + row.length <= reader.size else { break }
                let hash = FragmentChain.hash(try reader.read(at: row.offset, length: row.length))
                guard hash == row.hash else {
                    try sealAsIndexed(["reason": "recovery: an indexed fragment does not match its hash", "altered": String(row.sequence)])
                    return line(.altered, "fragment \(row.sequence) (offset \(row.offset), \(row.length) bytes) does not match its index hash: "
                                + "left as found, sealed as indexed")
                }
                kept.append(row)
                end += row.length
            }
            let removed = rows.count - kept.count
            if removed > 0 { try index.removeFragments(fileID: file.id, from: kept.count) }

            // Fragments written but not indexed, dated by the writer's rule from the file's first fragment.
            let fileStart = RecordingLayout.parse(file.name)?.start ?? rows.first?.start ?? file.createdAt
            var clock = try kept.first.flatMap { first in
                try reader.fragment(at: first.offset, tracks: tracks).map { FragmentClock(fileStart: fileStart, tracks: tracks, first: $0.found) }
            }
            var recovered: [RecordedFragment] = []
            var previousEnd = kept.last?.end ?? fileStart
            while let next = try reader.fragment(at: end, tracks: tracks) {
                if clock == nil { clock = FragmentClock(fileStart: fileStart, tracks: tracks, first: next.found) }
                let times = clock?.times(next.found) ?? (previousEnd, previousEnd)
                let fragment = RecordedFragment(fileID: file.id, sequence: kept.count + recovered.count, offset: end,
                                                length: Int64(next.bytes.count), start: times.start, end: max(times.start, times.end),
                                                hash: FragmentChain.hash(next.bytes), recovered: true)
                try index.appendFragment(fragment)
                recovered.append(fragment)
                end += fragment.length
                previousEnd = fragment.end
            }

            let cut = reader.size - end
            if cut > 0 { try reader.truncate(to: end) }
            let head = FragmentChain.head(initHash: file.initHash, fragments: (kept + recovered).map(\.hash))
            _ = try index.sealFile(id: file.id, at: now, chainHead: head, recovered: true, detail: [
                "reason": "recovery: open at start", "kept": String(kept.count), "recovered": String(recovered.count),
                "removed": String(removed), "cutBytes": String(cut),
            ])
            report.fragmentsKept += kept.count
            report.fragmentsRecovered += recovered.count
            report.fragmentsRemoved += removed
            report.bytesCut += cut
            return line(.recovered, "\(kept.count) fragment(s) kept, \(recovered.count) found after the index and indexed, "
                        + "\(removed) index row(s) without bytes removed, \(cut) byte(s) cut; sealed")
        } catch let failure as DiskFile.Failure {
            return line(.failed, "\(failure): left open, tried again at the next start")
        }
    }

    // MARK: - files the index does not know

    /// Every `*.mp4` under the directory, relative to it, in name order (path, then time).
    static func recordingFileNames(in directory: URL) -> [String] {
        guard let walk = FileManager.default.enumerator(atPath: directory.path) else { return [] }
        var names: [String] = []
        while let name = walk.nextObject() as? String {
            // Export work space (`.exports`, ExportRunner's): MP4s there are not recordings.
            if name == ".exports" {
                walk.skipDescendants()
                continue
            }
            guard name.hasSuffix(".mp4"), walk.fileAttributes?[.type] as? FileAttributeType == .typeRegular else { continue }
            names.append(name)
        }
        return names.sorted()
    }

    /// The files the ledger records as deleted, by name, with the entry that says so.
    static func deletedFiles(_ index: any RecordingIndex) throws -> [String: Int64] {
        var deleted: [String: Int64] = [:]
        for entry in try index.ledger(from: 1) where entry.kind == .fileDeleted {
            if let name = entry.detail["file"] { deleted[name] = entry.sequence }
        }
        return deleted
    }

    static func rebuild(name: String, directory: URL, index: any RecordingIndex, now: Date,
                        report: inout RecoveryReport) throws -> RecoveryReport.Line {
        func line(_ outcome: RecoveryReport.Outcome, _ message: String) -> RecoveryReport.Line {
            RecoveryReport.Line(file: name, outcome: outcome, message: message)
        }
        guard let parsed = RecordingLayout.parse(name) else {
            return line(.skipped, "not named <kind>/<id>/<yyyy-MM-dd>/<start>-<instance>.mp4: left alone, not indexed")
        }
        do {
            let fullPath = directory.appendingPathComponent(name).path
            let reader = try RecordingFileReader(path: fullPath, writable: true)
            if reader.size == 0 {
                try DiskFile.remove(fullPath)
                return line(.removed, "empty (the writer was stopped between creating it and writing its init section): nothing to index, removed")
            }
            guard let initBytes = try reader.initSection(), isFragmentedInit(initBytes) else {
                return line(.skipped, "no fragmented-MP4 init section (ftyp, moov with mvex) at its start: left alone, not indexed")
            }
            let tracks = MP4Boxes.tracks(initSection: initBytes)
            guard !tracks.isEmpty else { return line(.skipped, "no readable track in its init section: left alone, not indexed") }

            // Find everything before indexing anything: a file that is not the writer's is left whole.
            var found: [(offset: Int64, length: Int64, hash: Data, fragment: MP4Boxes.FoundFragment)] = []
            var end = Int64(initBytes.count)
            while let next = try reader.fragment(at: end, tracks: tracks) {
                found.append((end, Int64(next.bytes.count), FragmentChain.hash(next.bytes), next.found))
                end += Int64(next.bytes.count)
            }
            let cut = reader.size - end
            if cut > 0 {
                // Only the start of a fragment the writer did not finish is cut; anything else stays.
                let head = try reader.read(at: end, length: min(8, cut))
                guard head.count < 8 || String(decoding: head[4..<8], as: UTF8.self) == "moof" else {
                    return line(.skipped, "\(cut) byte(s) after \(found.count) fragment(s) are not a fragment: left alone, not indexed")
                }
            }

            let initHash = FragmentChain.hash(initBytes)
            let record = try index.createFile(path: parsed.path, name: name, instance: parsed.instance,
                                              codecs: MP4Codecs.codecs(initSection: initBytes), createdAt: now,
                                              initLength: Int64(initBytes.count), initHash: initHash)
            let clock = found.first.map { FragmentClock(fileStart: parsed.start, tracks: tracks, first: $0.fragment) }
            var previousEnd = parsed.start
            for (sequence, item) in found.enumerated() {
                let times = clock?.times(item.fragment) ?? (previousEnd, previousEnd)
                try index.appendFragment(RecordedFragment(fileID: record.id, sequence: sequence, offset: item.offset, length: item.length,
                                                          start: times.start, end: max(times.start, times.end), hash: item.hash, recovered: true))
                previousEnd = max(times.start, times.end)
            }
            if cut > 0 { try reader.truncate(to: end) }
            _ = try index.sealFile(id: record.id, at: now, chainHead: FragmentChain.head(initHash: initHash, fragments: found.map(\.hash)),
                                   recovered: true, detail: [
                                       "reason": "recovery: indexed from the file", "rebuilt": "true",
                                       "recovered": String(found.count), "cutBytes": String(cut),
                                   ])
            report.fragmentsRecovered += found.count
            report.bytesCut += cut
            return line(.rebuilt, "not in the index: \(found.count) fragment(s) indexed from the file, \(cut) byte(s) cut; sealed")
        } catch let failure as DiskFile.Failure {
            return line(.failed, "\(failure): not indexed, tried again at the next start")
        }
    }

    /// ftyp and moov (and padding) only, the moov announcing fragments: what the writer's muxer
    /// writes, and not a finished MP4 someone put in the directory.
    static func isFragmentedInit(_ bytes: [UInt8]) -> Bool {
        let boxes = MP4Boxes.topLevel(bytes)
        guard boxes.allSatisfy({ ["ftyp", "moov", "free", "skip"].contains($0.type) }),
              let moov = boxes.first(where: { $0.type == "moov" }) else { return false }
        return MP4Boxes.children(bytes, from: moov.payloadOffset, to: moov.offset + moov.size).contains { $0.type == "mvex" }
    }
}
