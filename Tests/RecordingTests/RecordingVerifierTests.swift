import Evidence
import Foundation
import Recording
import RecordingStore
import TestSupport
import Testing

@Suite("Recording verify: every byte against the index, every sealed index against the ledger, the ledger's chain")
struct RecordingVerifierTests {
    /// One path recorded and sealed (about six fragments), with what the verifier is given.
    struct Recorded {
        let fixture: RecordingFixture
        let file: RecordedFile
        let rows: [RecordedFragment]
        var url: URL { fixture.directory.appendingPathComponent(file.name) }

        func verify(path: String? = nil) throws -> VerificationReport {
            try RecordingVerifier.verify(directory: fixture.directory, index: fixture.index, path: path, from: nil, to: nil)
        }

        func first() throws -> VerificationReport.Problem {
            let report = try verify()
            return try #require(report.problems.first, "verify passed: \(report.summary)")
        }
    }

    static func recorded(seal: Bool = true) async throws -> Recorded {
        let fixture = try RecordingFixture()
        let (tracks, units) = try await RecordingFixture.media(Clips.Spec(seconds: 6, keyframeSeconds: 1))
        await fixture.record(path: "cam/bc-0001", tracks: tracks, units: units, seal: seal)
        let files = try fixture.index.files(path: nil, from: nil, to: nil)
        try #require(files.count == 1)
        let rows = try fixture.index.fragments(fileID: files[0].id)
        try #require(rows.count >= 4)
        return Recorded(fixture: fixture, file: files[0], rows: rows)
    }

    @Test func passesOnACleanRecording() async throws {
        let recorded = try await Self.recorded()
        let report = try recorded.verify()
        #expect(report.isIntact, "\(report.problems)")
        #expect(report.files == 1 && report.fragments == recorded.rows.count && report.ledgerEntries == 2)
        #expect(report.summary == "verified 1 files, \(recorded.rows.count) fragments, ledger of 2 entries, 0 anchors: intact")
        #expect(try recorded.verify(path: "cam/other").files == 0)
    }

    @Test("an open file verifies beside the writer: no seal to check yet")
    func passesOnAnOpenFile() async throws {
        let recorded = try await Self.recorded(seal: false)
        #expect(!recorded.file.isSealed)
        let report = try recorded.verify()
        #expect(report.isIntact, "\(report.problems)")
    }

    @Test("one byte of one fragment changed: the file and the fragment are named")
    func namesAnAlteredFragment() async throws {
        let recorded = try await Self.recorded()
        let row = recorded.rows[2]
        try RecordingDamage.flipByte(recorded.url, at: row.offset + row.length / 2)
        let first = try recorded.first()
        #expect(first.kind == .fragmentAltered && first.file == recorded.file.name && first.fragment == 2)
        #expect(first.description.hasPrefix("\(recorded.file.name): fragment 2 (offset \(row.offset), \(row.length) bytes) altered: SHA-256 "))
        #expect(try recorded.verify().problems.count == 1, "the chain over the index still matches the ledger")
    }

    @Test("the same change with the index rewritten to match (hash and chain head): the ledger's sealed chain head catches it")
    func catchesAnIndexEditedToMatch() async throws {
        let recorded = try await Self.recorded()
        let row = recorded.rows[2]
        try RecordingDamage.flipByte(recorded.url, at: row.offset + row.length / 2)
        let bytes = try RecordingDamage.bytes(recorded.url)
        let newHash = FragmentChain.hash(bytes[Int(row.offset) ..< Int(row.offset + row.length)])
        var hashes = recorded.rows.map(\.hash)
        hashes[2] = newHash
        let newHead = FragmentChain.head(initHash: recorded.file.initHash, fragments: hashes)
        try RecordingDamage.sql(recorded.fixture.directory, "UPDATE recording_fragment SET hash = ? WHERE file_id = ? AND sequence = 2",
                                [newHash, recorded.file.id])
        try RecordingDamage.sql(recorded.fixture.directory, "UPDATE recording_file SET chain_head = ? WHERE id = ?", [newHead, recorded.file.id])

        let report = try recorded.verify()
        #expect(report.problems.count == 1)
        let first = try #require(report.problems.first)
        #expect(first.kind == .ledgerMismatch && first.file == recorded.file.name)
        #expect(first.message.contains("index does not match the ledger's sealed chain head"))
    }

    @Test("the index's hash rewritten but not its chain head: the index contradicts itself")
    func catchesAHalfEditedIndex() async throws {
        let recorded = try await Self.recorded()
        try RecordingDamage.sql(recorded.fixture.directory, "UPDATE recording_fragment SET hash = zeroblob(32) WHERE file_id = ? AND sequence = 1",
                                [recorded.file.id])
        let report = try recorded.verify()
        #expect(report.problems.map(\.kind) == [.fragmentAltered, .indexAltered, .ledgerMismatch])
        #expect(report.problems.first?.fragment == 1)
    }

    @Test func namesARemovedFile() async throws {
        let recorded = try await Self.recorded()
        try FileManager.default.removeItem(at: recorded.url)
        let first = try recorded.first()
        #expect(first.kind == .fileRemoved && first.file == recorded.file.name)
        #expect(first.message.hasPrefix("file removed"))
    }

    @Test func namesATruncatedFile() async throws {
        let recorded = try await Self.recorded()
        let row = recorded.rows[3]
        let end = recorded.rows.last.map { $0.offset + $0.length }!
        try RecordingDamage.truncate(recorded.url, to: row.offset + 10)
        let first = try recorded.first()
        #expect(first.kind == .truncated && first.fragment == 3)
        #expect(first.message.hasPrefix("truncated at \(row.offset + 10) bytes, index expects \(end)"))
    }

    @Test func namesBytesAppendedToASealedFile() async throws {
        let recorded = try await Self.recorded()
        try RecordingDamage.append(recorded.url, [1, 2, 3, 4, 5])
        let report = try recorded.verify()
        #expect(report.problems.count == 1)
        let first = try #require(report.problems.first)
        #expect(first.kind == .bytesInserted && first.file == recorded.file.name && first.fragment == nil)
        #expect(first.message.hasPrefix("5 byte(s) appended"))
    }

    @Test("bytes inserted inside a fragment: named as an insertion, not as every later fragment altered")
    func namesBytesInserted() async throws {
        let recorded = try await Self.recorded()
        let row = recorded.rows[1]
        try RecordingDamage.insert(recorded.url, Array(repeating: 0xEE, count: 7), at: row.offset + 100)
        let report = try recorded.verify()
        #expect(report.problems.count == 1, "\(report.problems)")
        let first = try #require(report.problems.first)
        #expect(first.kind == .bytesInserted && first.fragment == 1)
        #expect(first.message.hasPrefix("7 byte(s) inserted in fragment 1 (offset \(row.offset)"))
    }

    @Test("a ledger entry altered in place, as by someone who dropped the append-only triggers")
    func namesAnAlteredLedgerEntry() async throws {
        let recorded = try await Self.recorded()
        try RecordingDamage.rewriteLedger(recorded.fixture.directory,
                                          "UPDATE recording_ledger SET detail = replace(detail, 'avc1', 'hvc1') WHERE sequence = 1")
        let report = try recorded.verify()
        #expect(report.problems.count == 1)
        let first = try #require(report.problems.first)
        #expect(first.kind == .ledgerAltered && first.ledgerEntry == 1 && first.file == nil)
        #expect(first.message == "ledger entry 1 altered: its hash does not match its content")
    }

    @Test("the seal's ledger entry rewritten to match an edited index, its hash recomputed: the next entry no longer follows")
    func namesARewrittenSealEntry() async throws {
        let recorded = try await Self.recorded()
        // Something after the seal, so a rewritten seal has an entry to break the chain with.
        try recorded.fixture.index.appendLedger(.diskLow, path: nil, detail: ["reason": "test"], at: Date())
        let seal = try #require(try recorded.fixture.index.ledger(from: 2).first)
        var detail = seal.detail
        detail["chainHead"] = String(repeating: "0", count: 64)
        let forged = LedgerEntry(sequence: seal.sequence, time: seal.time, kind: seal.kind, path: seal.path, detail: detail,
                                 previousHash: seal.previousHash)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try RecordingDamage.rewriteLedger(recorded.fixture.directory, "UPDATE recording_ledger SET detail = ?, hash = ? WHERE sequence = ?",
                                          [String(decoding: try encoder.encode(detail), as: UTF8.self), forged.hash, seal.sequence])
        let report = try recorded.verify()
        #expect(report.problems.map(\.kind) == [.ledgerMismatch, .ledgerBroken])
        #expect(report.problems.last?.ledgerEntry == 3)
    }
}
