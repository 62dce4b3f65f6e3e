import Evidence
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `verify` found: counts, and every problem in the order found (files by start time,
/// fragments in order, then the ledger), so the first one names where to look first.
public struct VerificationReport: Sendable, Codable, Equatable {
    public struct Problem: Sendable, Codable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable, Codable {
            case fileRemoved = "file.removed"
            case fileUnreadable = "file.unreadable"
            case truncated
            /// Bytes inserted into a fragment, or appended after a sealed file's last one.
            case bytesInserted = "bytes.inserted"
            case bytesRemoved = "bytes.removed"
            case initAltered = "init.altered"
            case fragmentAltered = "fragment.altered"
            /// The index contradicts itself or its own chain head (rows edited, removed or moved).
            case indexAltered = "index.altered"
            /// The index no longer matches what the ledger recorded when the file was sealed.
            case ledgerMismatch = "ledger.mismatch"
            case ledgerAltered = "ledger.altered"
            /// An entry that does not follow the one before it (removed, inserted or rewritten).
            case ledgerBroken = "ledger.broken"
        }

        public var kind: Kind
        /// The file's name relative to the recording directory, when the problem is a file's.
        public var file: String?
        /// The fragment's sequence within the file.
        public var fragment: Int?
        public var ledgerEntry: Int64?
        public var message: String

        public var description: String { file.map { "\($0): \(message)" } ?? message }
    }

    public var files = 0
    public var fragments = 0
    public var ledgerEntries = 0
    /// Ledger heads compared with their anchors in the joint-reporting record.
    public var anchorsChecked = 0
    public var problems: [Problem] = []

    public init() {}

    public var isIntact: Bool { problems.isEmpty }

    public var summary: String {
        let counts = "verified \(files) files, \(fragments) fragments, ledger of \(ledgerEntries) entries, \(anchorsChecked) anchors"
        return problems.isEmpty ? "\(counts): intact" : "\(counts): \(problems.count) problem(s), the first: \(problems[0])"
    }
}

/// Read-only verification of recordings, safe while the server records: every file's bytes
/// against the index (init and fragment hashes, fragments end to end, nothing missing, nothing
/// added to a sealed file), every sealed file's index against the chain head its ledger entry
/// recorded (which catches an index edited to match an altered fragment), and the ledger's own
/// hash chain.
public enum RecordingVerifier {
    /// One anchor of the ledger's head in the joint-reporting record (`recording.anchored`).
    public struct Anchor: Sendable, Equatable {
        public var auditSequence: Int
        public var ledgerSequence: Int64
        public var hash: Data
        public init(auditSequence: Int, ledgerSequence: Int64, hash: Data) {
            self.auditSequence = auditSequence
            self.ledgerSequence = ledgerSequence
            self.hash = hash
        }
    }

    /// Compares the ledger with the heads the (HMAC-chained) record says it had: a ledger
    /// rewritten with every hash recomputed still differs from its anchors.
    public static func checkAnchors(_ anchors: [Anchor], index: any RecordingIndex, into report: inout VerificationReport) throws {
        for anchor in anchors {
            report.anchorsChecked += 1
            let entry = try index.ledger(from: anchor.ledgerSequence).first
            guard let entry, entry.sequence == anchor.ledgerSequence else {
                report.problems.append(VerificationReport.Problem(kind: .ledgerAltered, file: nil, fragment: nil, ledgerEntry: anchor.ledgerSequence,
                    message: "ledger entry \(anchor.ledgerSequence), anchored in the record (event \(anchor.auditSequence)), is gone"))
                continue
            }
            if entry.hash != anchor.hash {
                report.problems.append(VerificationReport.Problem(kind: .ledgerAltered, file: nil, fragment: nil, ledgerEntry: anchor.ledgerSequence,
                    message: "ledger entry \(anchor.ledgerSequence) differs from its anchor in the record (event \(anchor.auditSequence)): the ledger was rewritten"))
            }
        }
    }

    public static func verify(directory: URL, index: any RecordingIndex, path: String?, from: Date?, to: Date?) throws -> VerificationReport {
        var report = VerificationReport()
        var ledger = LedgerView(index: index)
        for file in try index.files(path: path, from: from, to: to) {
            let rows = try index.fragments(fileID: file.id)
            let problems = try verifyFile(file, rows: rows, directory: directory, ledger: &ledger)
            // Deleted by retention since it was listed: not a problem, and not verified.
            if problems.first?.kind == .fileRemoved, try index.file(id: file.id) == nil { continue }
            report.files += 1
            report.fragments += rows.count
            report.problems += problems
        }
        ledger.refresh()
        report.ledgerEntries = ledger.entries.count
        let ledgerProblems = ledger.problems()
        // An unreadable ledger explains every seal not found in it: say that first.
        if ledger.readError != nil {
            report.problems = ledgerProblems + report.problems
        } else {
            report.problems += ledgerProblems
        }
        return report
    }

    // MARK: - a file

    static func verifyFile(_ file: RecordedFile, rows: [RecordedFragment], directory: URL,
                           ledger: inout LedgerView) throws -> [VerificationReport.Problem] {
        var problems: [VerificationReport.Problem] = []
        func problem(_ kind: VerificationReport.Problem.Kind, _ message: String, fragment: Int? = nil, entry: Int64? = nil) {
            problems.append(.init(kind: kind, file: file.name, fragment: fragment, ledgerEntry: entry, message: message))
        }
        let expectedEnd = rows.last.map { $0.offset + $0.length } ?? file.initLength

        let reader: RecordingFileReader
        do {
            reader = try RecordingFileReader(path: directory.appendingPathComponent(file.name).path)
        } catch where error.code == ENOENT {
            problem(.fileRemoved, "file removed (the index has \(rows.count) fragment(s), \(expectedEnd) bytes)")
            return problems
        } catch {
            problem(.fileUnreadable, "cannot be read: \(error)")
            return problems
        }

        do {
            if reader.size < file.initLength {
                problem(.truncated, "truncated at \(reader.size) bytes, index expects \(expectedEnd): the init section is cut")
                return problems
            }
            let initHash = FragmentChain.hash(try reader.read(at: 0, length: file.initLength))
            if initHash != file.initHash {
                problem(.initAltered, "init section (\(file.initLength) bytes) altered: SHA-256 \(initHash.lowercaseHex) ≠ index \(file.initHash.lowercaseHex)")
            }
            if let opened = ledger.opening(of: file.name), opened.isIntact, let recorded = opened.detail["init"], recorded.lowercased() != file.initHash.lowercaseHex {
                problem(.ledgerMismatch, "the index's init hash does not match ledger entry \(opened.sequence) (file.opened): index edited?", entry: opened.sequence)
            }

            // Bytes inserted or removed inside a sealed file shift every fragment after them: found
            // by a later fragment matching its hash exactly that many bytes away.
            let delta = reader.size - expectedEnd
            var previousEnd = file.initLength
            var explained = false
            for (position, row) in rows.enumerated() {
                let place = "fragment \(row.sequence) (offset \(row.offset), \(row.length) bytes)"
                if row.offset != previousEnd {
                    problem(.indexAltered, "the index puts \(place) at offset \(row.offset), but the fragment before it ends at \(previousEnd): "
                            + "a fragment removed from the index, or the index edited", fragment: row.sequence)
                }
                previousEnd = row.offset + row.length
                guard row.offset + row.length <= reader.size else {
                    problem(.truncated, "truncated at \(reader.size) bytes, index expects \(expectedEnd): \(place) and any after it are cut",
                            fragment: row.sequence)
                    explained = true
                    break
                }
                let hash = FragmentChain.hash(try reader.read(at: row.offset, length: row.length))
                guard hash != row.hash else { continue }
                if file.isSealed, delta != 0, try shifted(rows[(position + 1)...], by: delta, in: reader) {
                    if delta > 0 {
                        problem(.bytesInserted, "\(delta) byte(s) inserted in \(place): the fragments after it are intact \(delta) bytes later",
                                fragment: row.sequence)
                    } else {
                        problem(.bytesRemoved, "\(-delta) byte(s) removed from \(place): the fragments after it are intact \(-delta) bytes earlier",
                                fragment: row.sequence)
                    }
                    explained = true
                    break
                }
                problem(.fragmentAltered, "\(place) altered: SHA-256 \(hash.lowercaseHex) ≠ index \(row.hash.lowercaseHex)", fragment: row.sequence)
            }
            // An open file grows past its index while the writer syncs its next fragment; a sealed one never does.
            if file.isSealed, !explained, delta != 0 {
                if delta > 0 {
                    problem(.bytesInserted, "\(delta) byte(s) appended: the file is \(reader.size) bytes, its sealed index ends at \(expectedEnd)")
                } else {
                    problem(.truncated, "truncated at \(reader.size) bytes, index expects \(expectedEnd)")
                }
            }
        } catch {
            // Only reads throw here (the index was read before).
            problem(.fileUnreadable, "cannot be read: \(error)")
            return problems
        }

        guard file.isSealed else { return problems }
        let head = FragmentChain.head(initHash: file.initHash, fragments: rows.map(\.hash))
        if head != file.chainHead {
            problem(.indexAltered, "the index's fragment hashes do not reproduce its sealed chain head (index edited?)")
        }
        guard let seal = ledger.seal(of: file.name) else {
            // An unreadable ledger is reported once, first, for all of them.
            guard ledger.readError == nil else { return problems }
            problem(.ledgerMismatch, "sealed in the index, but no file.sealed or file.recovered entry in the ledger names it (ledger rewritten?)")
            return problems
        }
        if !seal.isIntact {
            problem(.ledgerAltered, "its seal, ledger entry \(seal.sequence), is altered", entry: seal.sequence)
        } else if seal.detail["chainHead"]?.lowercased() != head.lowercaseHex {
            var message = "index does not match the ledger's sealed chain head (entry \(seal.sequence)): index edited?"
            if let count = seal.detail["fragments"], count != String(rows.count) {
                message += " The ledger sealed \(count) fragment(s), the index has \(rows.count)."
            }
            problem(.ledgerMismatch, message, entry: seal.sequence)
        }
        return problems
    }

    /// True when the first of `rows` that fits matches its hash `delta` bytes from its indexed place.
    static func shifted(_ rows: ArraySlice<RecordedFragment>, by delta: Int64, in reader: RecordingFileReader) throws(DiskFile.Failure) -> Bool {
        guard let row = rows.first(where: { $0.offset + delta >= 0 && $0.offset + delta + $0.length <= reader.size }) else { return false }
        return FragmentChain.hash(try reader.read(at: row.offset + delta, length: row.length)) == row.hash
    }

    // MARK: - the ledger

    /// The ledger as read, with each file's opening and seal found by name. Read once; read again
    /// from where it ended when a file sealed after the first read is looked up.
    struct LedgerView {
        let index: any RecordingIndex
        var entries: [LedgerEntry] = []
        var readError: String?
        var openings: [String: LedgerEntry] = [:]
        var seals: [String: LedgerEntry] = [:]
        var loaded = false

        init(index: any RecordingIndex) { self.index = index }

        mutating func refresh() {
            do {
                let more = try index.ledger(from: (entries.last?.sequence ?? 0) + 1)
                for entry in more {
                    guard let name = entry.detail["file"] else { continue }
                    switch entry.kind {
                    case .fileOpened: openings[name] = entry
                    case .fileSealed, .fileRecovered: seals[name] = entry
                    default: break
                    }
                }
                entries += more
            } catch {
                readError = "\(error)"
            }
            loaded = true
        }

        mutating func opening(of name: String) -> LedgerEntry? {
            if !loaded { refresh() }
            return openings[name]
        }

        mutating func seal(of name: String) -> LedgerEntry? {
            if !loaded { refresh() }
            if seals[name] == nil, readError == nil { refresh() }
            return seals[name]
        }

        func problems() -> [VerificationReport.Problem] {
            var problems: [VerificationReport.Problem] = []
            func problem(_ kind: VerificationReport.Problem.Kind, _ entry: Int64?, _ message: String) {
                problems.append(.init(kind: kind, file: nil, fragment: nil, ledgerEntry: entry, message: message))
            }
            if let readError { problem(.ledgerAltered, nil, "the ledger cannot be read: \(readError)") }
            var previous: LedgerEntry?
            for entry in entries {
                let expected = (previous?.sequence ?? 0) + 1
                if entry.sequence != expected {
                    problem(.ledgerBroken, entry.sequence, "ledger entries \(expected)…\(entry.sequence - 1) removed: the sequence jumps from \(expected - 1) to \(entry.sequence)")
                }
                if !entry.isIntact {
                    problem(.ledgerAltered, entry.sequence, "ledger entry \(entry.sequence) altered: its hash does not match its content")
                } else if entry.previousHash != (previous?.hash ?? LedgerEntry.genesis) {
                    problem(.ledgerBroken, entry.sequence, "ledger entry \(entry.sequence) does not follow entry \(expected - 1): "
                            + "its previous hash differs (an entry rewritten, removed or inserted before it)")
                }
                previous = entry
            }
            return problems
        }
    }
}
