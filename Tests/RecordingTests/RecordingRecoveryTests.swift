import Foundation
import Logging
import Recording
import RecordingStore
import TestSupport
import Testing

@Suite("Recording recovery: open files cut back to what verifies, what was written indexed, the index rebuilt from the files")
struct RecordingRecoveryTests {
    static let logger = Logger(label: "test.recovery")

    static func recover(_ directory: URL, _ index: RecordingDatabase) throws -> RecoveryReport {
        try RecordingRecovery.run(directory: directory, index: index, now: Date(), logger: logger)
    }

    /// A crash image of one path recorded and left open, its index, the open file and its rows.
    struct Crashed {
        let scratch: ScratchDirectory
        let directory: URL
        let index: RecordingDatabase
        let file: RecordedFile
        let rows: [RecordedFragment]
        var url: URL { directory.appendingPathComponent(file.name) }
    }

    static func crashed(_ fixture: RecordingFixture, seconds: Int = 6) async throws -> Crashed {
        let (tracks, units) = try await RecordingFixture.media(Clips.Spec(seconds: seconds, keyframeSeconds: 1))
        await fixture.record(path: "cam/bc-0001", tracks: tracks, units: units, seal: false)
        let scratch = try ScratchDirectory()
        let directory = try fixture.crashImage(in: scratch)
        let index = try RecordingDatabase(directory: directory)
        let open = try index.unsealedFiles()
        try #require(open.count == 1)
        let rows = try index.fragments(fileID: open[0].id)
        try #require(rows.count >= 4, "a 6 s clip with a keyframe every second makes about six fragments")
        return Crashed(scratch: scratch, directory: directory, index: index, file: open[0], rows: rows)
    }

    @Test("a fragment written but not indexed is indexed as recovered, a torn last write is cut, the file sealed; a second run changes nothing")
    func recoversAnOpenFile() async throws {
        let fixture = try RecordingFixture()
        let crash = try await Self.crashed(fixture)
        let last = crash.rows[crash.rows.count - 1]
        // Killed after the last fragment was synced but before its index entry, and during the
        // write of the next one (the first 100 bytes of a fragment's moof reached the disk).
        try crash.index.removeFragments(fileID: crash.file.id, from: last.sequence)
        let torn = Array(try RecordingDamage.bytes(crash.url)[Int(crash.rows[0].offset) ..< Int(crash.rows[0].offset) + 100])
        try RecordingDamage.append(crash.url, torn)

        let report = try Self.recover(crash.directory, crash.index)
        #expect(report.count(.recovered) == 1)
        #expect(report.fragmentsKept == crash.rows.count - 1)
        #expect(report.fragmentsRecovered == 1)
        #expect(report.fragmentsRemoved == 0)
        #expect(report.bytesCut == 100)
        #expect(try RecordingDamage.size(crash.url) == last.offset + last.length, "cut right after the last complete fragment")

        let sealed = try #require(try crash.index.file(id: crash.file.id))
        #expect(sealed.isSealed && sealed.recovered)
        let fragments = try crash.index.fragments(fileID: crash.file.id)
        #expect(fragments.count == crash.rows.count)
        #expect(fragments.dropLast().allSatisfy { !$0.recovered })
        let found = try #require(fragments.last)
        #expect(found.recovered)
        #expect(found.offset == last.offset && found.length == last.length && found.hash == last.hash)
        #expect(abs(found.start.timeIntervalSince(last.start)) < 0.1, "recovered start \(found.start), written \(last.start)")
        #expect(abs(found.end.timeIntervalSince(last.end)) < 0.1, "recovered end \(found.end), written \(last.end)")

        let seal = try #require(try crash.index.ledgerHead())
        #expect(seal.kind == .fileRecovered)
        #expect(seal.detail["file"] == crash.file.name)
        #expect(seal.detail["kept"] == String(crash.rows.count - 1) && seal.detail["recovered"] == "1" && seal.detail["cutBytes"] == "100")

        let verification = try RecordingVerifier.verify(directory: crash.directory, index: crash.index, path: nil, from: nil, to: nil)
        #expect(verification.isIntact, "\(verification.summary)")

        let again = try Self.recover(crash.directory, crash.index)
        #expect(!again.changedAnything && again.lines.isEmpty)
        #expect(try crash.index.ledgerHead() == seal)
        #expect(try RecordingDamage.size(crash.url) == last.offset + last.length)
    }

    @Test("index rows whose bytes never reached the disk are removed and the part that did is cut")
    func removesRowsWithoutBytes() async throws {
        let fixture = try RecordingFixture()
        let crash = try await Self.crashed(fixture)
        let last = crash.rows[crash.rows.count - 1]
        try RecordingDamage.truncate(crash.url, to: last.offset + last.length / 2)

        let report = try Self.recover(crash.directory, crash.index)
        #expect(report.count(.recovered) == 1)
        #expect(report.fragmentsKept == crash.rows.count - 1 && report.fragmentsRemoved == 1 && report.fragmentsRecovered == 0)
        #expect(report.bytesCut == last.length / 2)
        #expect(try RecordingDamage.size(crash.url) == last.offset)
        #expect(try crash.index.fragments(fileID: crash.file.id).count == crash.rows.count - 1)
        let verification = try RecordingVerifier.verify(directory: crash.directory, index: crash.index, path: nil, from: nil, to: nil)
        #expect(verification.isIntact, "\(verification.summary)")
    }

    @Test("an indexed fragment whose bytes differ is not a crash: left as found, sealed as indexed, still named by verify")
    func leavesAnAlteredFileAsFound() async throws {
        let fixture = try RecordingFixture()
        let crash = try await Self.crashed(fixture)
        let altered = crash.rows[1]
        try RecordingDamage.flipByte(crash.url, at: altered.offset + altered.length / 2)
        let before = try RecordingDamage.bytes(crash.url)

        let report = try Self.recover(crash.directory, crash.index)
        #expect(report.count(.altered) == 1)
        #expect(report.lines.first?.message.contains("fragment 1") == true)
        #expect(try RecordingDamage.bytes(crash.url) == before, "not a byte cut or changed")
        #expect(try crash.index.fragments(fileID: crash.file.id) == crash.rows, "the index kept as it was")
        #expect(try crash.index.file(id: crash.file.id)?.isSealed == true)

        let verification = try RecordingVerifier.verify(directory: crash.directory, index: crash.index, path: nil, from: nil, to: nil)
        let first = try #require(verification.problems.first)
        #expect(first.kind == .fragmentAltered && first.fragment == 1 && first.file == crash.file.name)
        #expect(!(try Self.recover(crash.directory, crash.index)).changedAnything)
    }

    @Test("a file in the index but not on disk is sealed as indexed, its rows kept, and verify says it was removed")
    func sealsAMissingFile() async throws {
        let fixture = try RecordingFixture()
        let crash = try await Self.crashed(fixture)
        try FileManager.default.removeItem(at: crash.url)

        let report = try Self.recover(crash.directory, crash.index)
        #expect(report.count(.missing) == 1)
        #expect(try crash.index.fragments(fileID: crash.file.id).count == crash.rows.count)
        let seal = try #require(try crash.index.ledgerHead())
        #expect(seal.kind == .fileRecovered && seal.detail["missing"] == "true")
        let verification = try RecordingVerifier.verify(directory: crash.directory, index: crash.index, path: nil, from: nil, to: nil)
        #expect(verification.problems.first?.kind == .fileRemoved)
        #expect(!(try Self.recover(crash.directory, crash.index)).changedAnything)
    }

    @Test("an index lost entirely is rebuilt from the files; files that are not the writer's are skipped and left whole")
    func rebuildsALostIndex() async throws {
        let fixture = try RecordingFixture()
        let (tracks, units) = try await RecordingFixture.media(Clips.Spec(seconds: 4, keyframeSeconds: 1))
        await fixture.record(path: "cam/bc-0001", tracks: tracks, units: units)
        await fixture.record(path: "room/520602101001", tracks: tracks, units: units)
        let originals = try fixture.index.files(path: nil, from: nil, to: nil)
        try #require(originals.count == 2)

        let scratch = try ScratchDirectory()
        let directory = try fixture.crashImage(in: scratch)
        for suffix in ["", "-wal", "-shm"] {
            try FileManager.default.removeAll(at: directory.appendingPathComponent(RecordingDatabase.fileName + suffix))
        }
        // Not the writer's: a name outside the layout, and a layout name over bytes that are no recording.
        let day = (originals[0].name as NSString).deletingLastPathComponent
        let strangers = ["\(day)/notes.mp4", "\(day)/20261207T170000.000Z-r9p0.mp4"]
        for name in strangers { try Data("not a recording".utf8).write(to: directory.appendingPathComponent(name)) }

        let index = try RecordingDatabase(directory: directory)
        let report = try Self.recover(directory, index)
        #expect(report.count(.rebuilt) == 2)
        #expect(report.count(.skipped) == 2)
        #expect(Set(report.lines.filter { $0.outcome == .skipped }.map(\.file)) == Set(strangers))
        for name in strangers {
            #expect(try Data(contentsOf: directory.appendingPathComponent(name)) == Data("not a recording".utf8), "\(name) left whole")
        }

        for original in originals {
            let rebuilt = try #require(try index.file(named: original.name))
            #expect(rebuilt.path == original.path && rebuilt.instance == original.instance)
            #expect(rebuilt.codecs == original.codecs, "codecs read back from the init section")
            #expect(rebuilt.initLength == original.initLength && rebuilt.initHash == original.initHash)
            #expect(rebuilt.chainHead == original.chainHead, "the same bytes make the same chain")
            #expect(rebuilt.isSealed && rebuilt.recovered)
            let written = try fixture.index.fragments(fileID: original.id)
            let found = try index.fragments(fileID: rebuilt.id)
            #expect(found.map(\.offset) == written.map(\.offset))
            #expect(found.map(\.hash) == written.map(\.hash))
            #expect(found.allSatisfy { $0.recovered })
            for (a, b) in zip(found, written) {
                #expect(abs(a.start.timeIntervalSince(b.start)) < 0.1 && abs(a.end.timeIntervalSince(b.end)) < 0.1,
                        "fragment \(a.sequence): \(a.start)–\(a.end), written \(b.start)–\(b.end)")
            }
        }

        let verification = try RecordingVerifier.verify(directory: directory, index: index, path: nil, from: nil, to: nil)
        #expect(verification.isIntact, "\(verification.summary)")
        #expect(verification.files == 2)

        let head = try index.ledgerHead()
        let again = try Self.recover(directory, index)
        #expect(!again.changedAnything)
        #expect(try index.ledgerHead() == head)
    }
}

extension RecordingRecoveryTests {
    @Test("a file whose deletion is in the ledger but which is still on disk (a crash during retention) is not indexed again")
    func doesNotResurrectADeletedFile() async throws {
        let fixture = try RecordingFixture()
        let (tracks, units) = try await RecordingFixture.media(Clips.Spec(seconds: 3, keyframeSeconds: 1))
        await fixture.record(path: "cam/bc-0001", tracks: tracks, units: units)
        let file = try #require(try fixture.index.files(path: nil, from: nil, to: nil).first)
        try fixture.index.deleteFile(id: file.id, reason: "retention", at: Date())

        let report = try Self.recover(fixture.directory, fixture.index)
        #expect(report.lines.map(\.outcome) == [.skipped])
        #expect(report.lines.first?.message.contains("its deletion is in the ledger (entry 3)") == true)
        #expect(try fixture.index.file(named: file.name) == nil)
        #expect(FileManager.default.fileExists(atPath: fixture.directory.appendingPathComponent(file.name).path), "left for removal, not removed here")
    }

    /// Found by crash.sh: the writer creates a file (O_EXCL) and then writes its init section; a
    /// kill -9 between the two left an empty file that recovery skipped at every start, never
    /// indexed and never removed.
    @Test("an empty file named as the writer names them, not in the index (killed between creation and init write), is removed")
    func removesAnEmptyFileTheWriterLeft() async throws {
        let fixture = try RecordingFixture()
        let crash = try await Self.crashed(fixture)
        let day = (crash.file.name as NSString).deletingLastPathComponent
        let empty = "\(day)/20261207T170000.000Z-r1p1.mp4"
        let stranger = "\(day)/empty-notes.mp4"   // not the writer's name: left alone, empty or not
        for name in [empty, stranger] {
            #expect(FileManager.default.createFile(atPath: crash.directory.appendingPathComponent(name).path, contents: Data()))
        }

        let report = try Self.recover(crash.directory, crash.index)
        #expect(report.count(.recovered) == 1, "the open file is recovered as before")
        #expect(report.lines.filter { $0.outcome == .removed }.map(\.file) == [empty])
        #expect(report.lines.filter { $0.outcome == .skipped }.map(\.file) == [stranger])
        #expect(!FileManager.default.fileExists(atPath: crash.directory.appendingPathComponent(empty).path))
        #expect(FileManager.default.fileExists(atPath: crash.directory.appendingPathComponent(stranger).path))
        #expect(try crash.index.file(named: empty) == nil)
        #expect(report.summary.contains("1 empty removed"))

        let verification = try RecordingVerifier.verify(directory: crash.directory, index: crash.index, path: nil, from: nil, to: nil)
        #expect(verification.isIntact, "\(verification.summary)")
        let again = try Self.recover(crash.directory, crash.index)
        #expect(!again.changedAnything)
        #expect(again.lines.map(\.outcome) == [.skipped], "only the stranger, as at every start")
    }
}
