@testable import Evidence
import Foundation
import TestSupport
import Testing

/// Packages checked with other people's readers (Info-ZIP's unzip, Python's zipfile) and ZIPs from
/// another writer (Python's zipfile) read here; hostile and damaged files refused without a crash.
@Suite struct ZipTests {
    static let python = "/usr/bin/python3"

    /// Deterministic, incompressible-looking bytes (a linear congruential generator).
    func bytes(_ count: Int, seed: UInt32) -> Data {
        var state = seed
        var bytes = [UInt8]()
        bytes.reserveCapacity(count)
        for _ in 0..<count {
            state = state &* 1_664_525 &+ 1_013_904_223
            bytes.append(UInt8(truncatingIfNeeded: state >> 24))
        }
        return Data(bytes)
    }

    func hex(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }

    /// The entries of the package `writePackage` makes, with the bytes each must hold.
    struct Written {
        var path: String
        var expected: [(name: String, data: Data)]
        var summaries: [ZipEntrySummary]
    }

    /// A few entries, one of them a byte range of a 3 MiB file (several 1 MiB copy chunks), one
    /// empty, one with a non-ASCII name.
    func writePackage(in directory: String, zip64: ZipWriter.Zip64) throws -> Written {
        let source = bytes(3 << 20, seed: 7)
        let sourcePath = directory + "/recording.mp4"
        try source.write(to: URL(fileURLWithPath: sourcePath))
        let path = directory + "/package.zip"
        let writer = try ZipWriter(path: path, zip64: zip64, modified: Date(timeIntervalSince1970: 1_700_000_000))
        let manifest = Data("{\"export\": 14}\n".utf8)
        let noteName = "notes/übergabe protokoll.txt"
        let note = Data("handed over at 14:02\n".utf8)
        var summaries: [ZipEntrySummary] = []
        summaries.append(try writer.add(name: "manifest.json", data: manifest))
        summaries.append(try writer.add(name: "recordings/cam-1/span-0001.mp4", file: sourcePath, offset: 1000, length: 2_600_000))
        summaries.append(try writer.add(name: "recordings/cam-1/empty", data: Data()))
        summaries.append(try writer.add(name: noteName, data: note))
        summaries.append(try writer.add(name: "recordings/cam-1/tail.mp4", file: sourcePath, offset: (3 << 20) - 5))
        try writer.finish()
        #expect(writer.bytesWritten == Int64(try Data(contentsOf: URL(fileURLWithPath: path)).count))
        let expected: [(name: String, data: Data)] = [
            ("manifest.json", manifest),
            ("recordings/cam-1/span-0001.mp4", source[1000..<2_601_000]),
            ("recordings/cam-1/empty", Data()),
            (noteName, note),
            ("recordings/cam-1/tail.mp4", source.suffix(5)),
        ]
        return Written(path: path, expected: expected, summaries: summaries)
    }

    /// Python's zipfile checks every CRC (testzip), compares each entry with the bytes it must hold
    /// and prints name, size, CRC-32 and SHA-256 per entry.
    static let pythonCheck = """
    import hashlib, json, sys, zipfile, zlib
    z = zipfile.ZipFile(sys.argv[1])
    assert z.testzip() is None
    expected = json.loads(sys.argv[2])
    assert [i.filename for i in z.infolist()] == [name for name, _ in expected], [i.filename for i in z.infolist()]
    for name, file in expected:
        data = z.read(name)
        assert data == open(file, 'rb').read(), name
        info = z.getinfo(name)
        assert info.compress_type == zipfile.ZIP_STORED and info.flag_bits & 0x800
        print(name, len(data), zlib.crc32(data), hashlib.sha256(data).hexdigest(), sep='\\t')
    """

    @Test(arguments: [ZipWriter.Zip64.automatic, .always])
    func unzipAndPythonReadWhatIsWritten(zip64: ZipWriter.Zip64) async throws {
        let directory = try evidenceTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let written = try writePackage(in: directory, zip64: zip64)

        let (status, output, errors) = try await Subprocess.run("/usr/bin/unzip", ["-t", written.path])
        #expect(status == 0, "\(output)\(errors)")
        #expect(output.contains("No errors detected"), "\(output)")

        var expectedFiles: [[String]] = []
        for (index, entry) in written.expected.enumerated() {
            let file = directory + "/expected-\(index)"
            try entry.data.write(to: URL(fileURLWithPath: file))
            expectedFiles.append([entry.name, file])
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: expectedFiles), as: UTF8.self)
        let (pythonStatus, lines, pythonErrors) = try await Subprocess.run(Self.python, ["-c", Self.pythonCheck, written.path, json])
        #expect(pythonStatus == 0, "\(pythonErrors)")
        let reported = lines.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(reported == written.summaries.map { [$0.name, "\($0.size)", "\($0.crc32)", hex($0.sha256)] })

        // ZIP64: the end records are there with .always (and only then, at these sizes).
        let file = try Data(contentsOf: URL(fileURLWithPath: written.path))
        let hasZip64End = file.range(of: Data([0x50, 0x4B, 0x06, 0x06])) != nil && file.range(of: Data([0x50, 0x4B, 0x06, 0x07])) != nil
        #expect(hasZip64End == (zip64 == .always))

        // And this reader reads it back: the same names, bytes and SHA-256s.
        let reader = try ZipReader(path: written.path)
        #expect(reader.entries.map(\.name) == written.expected.map(\.name))
        for (entry, summary) in zip(written.expected, written.summaries) {
            let found = try #require(reader.entry(named: entry.name))
            #expect(found.size == Int64(entry.data.count))
            #expect(found.crc32 == summary.crc32)
            #expect(try reader.read(found) == entry.data)
            #expect(try reader.sha256(found) == summary.sha256)
        }
    }

    /// Entries whose local headers start past 4 GiB (after a sparse hole: nothing is written
    /// there) get their offsets in ZIP64 extras and the package ZIP64 end records, with `.automatic`;
    /// the entry before them, starting just below, keeps the classic fields.
    @Test func offsetsPast4GiBUseZIP64() async throws {
        let directory = try evidenceTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/far.zip"
        let writer = try ZipWriter(path: path)
        let contents = [("first", bytes(100, seed: 1)), ("straddles", bytes(512, seed: 2)), ("far/one", bytes(1000, seed: 3)),
                        ("far/two", bytes(10, seed: 4))]
        try writer.add(name: contents[0].0, data: contents[0].1)
        writer.bytesWritten = 0xFFFF_FF00
        for (name, data) in contents.dropFirst() { try writer.add(name: name, data: data) }
        try writer.finish()

        let (status, output, errors) = try await Subprocess.run("/usr/bin/unzip", ["-t", path])
        #expect(status == 0, "\(output)\(errors)")
        #expect(output.contains("No errors detected"), "\(output)")
        let script = """
        import sys, zipfile
        z = zipfile.ZipFile(sys.argv[1])
        assert z.testzip() is None
        for i in z.infolist():
            print(i.filename, i.header_offset, i.file_size, z.read(i).hex(), sep='\\t')
        """
        let (pythonStatus, lines, pythonErrors) = try await Subprocess.run(Self.python, ["-c", script, path])
        #expect(pythonStatus == 0, "\(pythonErrors)")
        let offsets: [Int64] = [0, 0xFFFF_FF00, 0xFFFF_FF00 + 30 + 9 + 512, 0xFFFF_FF00 + 30 + 9 + 512 + 30 + 7 + 1000]
        let reported = lines.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(reported == zip(contents, offsets).map { [$0.0.0, "\($0.1)", "\($0.0.1.count)", hex($0.0.1)] })

        let reader = try ZipReader(path: path)
        #expect(reader.entries.map(\.dataOffset) == zip(contents, offsets).map { $0.1 + 30 + Int64($0.0.0.utf8.count) })
        for (name, data) in contents {
            #expect(try reader.read(try #require(reader.entry(named: name))) == data)
        }
    }

    @Test func crcIsIEEE() throws {
        let directory = try evidenceTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try ZipWriter(path: directory + "/check.zip")
        // The CRC-32 check value (the "123456789" of every CRC catalogue) and the empty input.
        #expect(try writer.add(name: "check", data: Data("123456789".utf8)).crc32 == 0xCBF4_3926)
        #expect(try writer.add(name: "empty", data: Data()).crc32 == 0)
        writer.abort()
    }

    /// Python's zipfile as the writer: stored entries, with and without force_zip64, and an archive
    /// comment this reader must search back over.
    @Test(arguments: [false, true])
    func readsWhatPythonWrites(forceZip64: Bool) async throws {
        let directory = try evidenceTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/python.zip"
        let script = """
        import hashlib, sys, zipfile
        big = bytes((i * 7919 + 13) % 251 for i in range(1_500_000))
        with zipfile.ZipFile(sys.argv[1], 'w', compression=zipfile.ZIP_STORED) as z:
            z.writestr('a.txt', b'first entry\\n')
            with z.open('video/big.bin', 'w', force_zip64=\(forceZip64 ? "True" : "False")) as f:
                f.write(big)
            z.writestr('b/ärger.txt', 'zweiter Eintrag\\n'.encode())
            z.comment = b'made by python' + b'!' * 3000
        for name, data in [('a.txt', b'first entry\\n'), ('video/big.bin', big), ('b/\\u00e4rger.txt', 'zweiter Eintrag\\n'.encode())]:
            print(name, len(data), hashlib.sha256(data).hexdigest(), sep='\\t')
        """
        let (status, output, errors) = try await Subprocess.run(Self.python, ["-c", script, path])
        #expect(status == 0, "\(errors)")
        let expected = output.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(expected.count == 3)

        let reader = try ZipReader(path: path)
        #expect(reader.entries.map { [$0.name, "\($0.size)"] } == expected.map { Array($0.prefix(2)) })
        for line in expected {
            let entry = try #require(reader.entry(named: line[0]))
            #expect(hex(try reader.sha256(entry)) == line[2])
            var streamed = 0
            try reader.stream(entry) { streamed += $0.count }
            #expect(streamed == Int(line[1]))
        }
        let a = try #require(reader.entry(named: "a.txt"))
        #expect(try reader.read(a) == Data("first entry\n".utf8))
        let big = try #require(reader.entry(named: "video/big.bin"))
        #expect(throws: EvidenceError.self) { _ = try reader.read(big, limit: 1 << 20) }
    }

    @Test func aChangedByteIsACRCMismatchNamingTheEntry() throws {
        let directory = try evidenceTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let written = try writePackage(in: directory, zip64: .automatic)
        let name = "recordings/cam-1/span-0001.mp4"
        let entry = try #require(try ZipReader(path: written.path).entry(named: name))
        var file = try Data(contentsOf: URL(fileURLWithPath: written.path))
        file[Int(entry.dataOffset) + 1_234_567] ^= 0x01
        try file.write(to: URL(fileURLWithPath: written.path))

        let reader = try ZipReader(path: written.path)
        let damaged = try #require(reader.entry(named: name))
        for attempt in [{ _ = try reader.sha256(damaged) }, { _ = try reader.read(damaged) }, { try reader.stream(damaged) { _ in } }] {
            let error = try #require(throws: EvidenceError.self, performing: attempt)
            #expect(error.message.contains("CRC mismatch") && error.message.contains(name), "\(error)")
        }
        // The other entries are intact.
        #expect(try reader.read(try #require(reader.entry(named: "manifest.json"))) == Data("{\"export\": 14}\n".utf8))
    }

    @Test func garbageAndTruncatedFilesAreRefused() throws {
        let directory = try evidenceTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let garbage = directory + "/garbage.zip"
        for content in [Data(), Data("PK".utf8), bytes(100_000, seed: 3)] {
            try content.write(to: URL(fileURLWithPath: garbage))
            let error = try #require(throws: EvidenceError.self) { try ZipReader(path: garbage) }
            #expect(error.message.contains("not a ZIP file: no end of central directory record"), "\(error)")
        }
        let written = try writePackage(in: directory, zip64: .automatic)
        let whole = try Data(contentsOf: URL(fileURLWithPath: written.path))
        for cut in [whole.count - 1, whole.count - 30, whole.count / 2, 100] {
            try whole.prefix(cut).write(to: URL(fileURLWithPath: garbage))
            #expect(throws: EvidenceError.self) { try ZipReader(path: garbage) }
        }
        // The end of central directory record of the whole package, moved to after half of it:
        // its offsets point past the end of what is left.
        try (whole.prefix(whole.count / 2) + whole.suffix(22)).write(to: URL(fileURLWithPath: garbage))
        #expect(throws: EvidenceError.self) { try ZipReader(path: garbage) }
    }

    /// Every byte of the directory and end records (and of the first local header), set to values
    /// that break lengths and offsets: the reader throws or reads consistent entries, never traps.
    @Test(arguments: [ZipWriter.Zip64.automatic, .always])
    func damagedStructuresNeverCrash(zip64: ZipWriter.Zip64) throws {
        let directory = try evidenceTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/small.zip"
        let writer = try ZipWriter(path: path, zip64: zip64)
        try writer.add(name: "a", data: bytes(300, seed: 1))
        try writer.add(name: "dir/b", data: bytes(40, seed: 2))
        try writer.finish()
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let damagedPath = directory + "/damaged.zip"
        let positions = Array(0..<80) + Array(340..<whole.count)
        var refused = 0
        for position in positions {
            for value: UInt8 in [0x00, 0xFF, 0x7F, whole[position] ^ 0x80] {
                var damaged = whole
                damaged[position] = value
                try damaged.write(to: URL(fileURLWithPath: damagedPath))
                do {
                    let reader = try ZipReader(path: damagedPath)
                    for entry in reader.entries {
                        #expect(entry.dataOffset >= 0 && entry.dataOffset + entry.size <= Int64(damaged.count))
                        _ = try? reader.sha256(entry)
                    }
                } catch {
                    refused += 1
                }
            }
        }
        #expect(refused > 0)
    }

    @Test func deflatedEncryptedAndUnsafeEntriesAreRefusedByName() async throws {
        let directory = try evidenceTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cases: [(script: String, message: String)] = [
            ("z.writestr('clip.mp4', b'x' * 5000, compress_type=zipfile.ZIP_DEFLATED)",
             "entry \"clip.mp4\": compressed with method 8; FieldRelay packages store entries uncompressed"),
            ("z.writestr('../escape.txt', b'up')", "entry \"../escape.txt\": unsafe name"),
            ("z.writestr('/etc/passwd', b'root')", "entry \"/etc/passwd\": unsafe name"),
            // Python writes no encryption: set bit 0 of the flags in both headers afterwards.
            ("z.writestr('secret.bin', b's' * 10)", "entry \"secret.bin\": encrypted"),
        ]
        for (index, item) in cases.enumerated() {
            let path = directory + "/case-\(index).zip"
            var script = "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    \(item.script)\n"
            if item.message.contains("encrypted") {
                script += """
                data = bytearray(open(sys.argv[1], 'rb').read())
                data[6] |= 1
                c = data.rfind(b'PK\\x01\\x02')
                data[c + 8] |= 1
                open(sys.argv[1], 'wb').write(data)
                """
            }
            let (status, _, errors) = try await Subprocess.run(Self.python, ["-c", script, path])
            #expect(status == 0, "\(errors)")
            let error = try #require(throws: EvidenceError.self) { try ZipReader(path: path) }
            #expect(error.message.contains(item.message), "\(error)")
        }
    }

    @Test func unsafeAndDuplicateNamesAreRefusedAndTheWriterGoesOn() async throws {
        let directory = try evidenceTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/names.zip"
        let writer = try ZipWriter(path: path)
        try writer.add(name: "x", data: Data("x".utf8))
        for name in ["x", "../x", "a/../../x", "/x", "a\\x", "", "..", "a/..", "bad\u{0}name"] {
            let error = try #require(throws: EvidenceError.self) { try writer.add(name: name, data: Data("y".utf8)) }
            #expect(error.message.contains("refused"), "\(error)")
        }
        #expect(throws: EvidenceError.self) { try writer.add(name: "../y", file: path) }
        try writer.add(name: "a/..b/x..", data: Data("fine".utf8))  // dots that are not a .. component
        try writer.finish()
        let (status, output, errors) = try await Subprocess.run("/usr/bin/unzip", ["-t", path])
        #expect(status == 0, "\(output)\(errors)")
        #expect(try ZipReader(path: path).entries.map(\.name) == ["x", "a/..b/x.."])
        // The package exists now: a second writer does not replace it.
        let error = try #require(throws: EvidenceError.self) { try ZipWriter(path: path) }
        #expect(error.message.contains(path) && error.message.contains("exists"), "\(error)")
        // A byte range outside the source file is refused before anything is written.
        let other = try ZipWriter(path: directory + "/other.zip")
        #expect(throws: EvidenceError.self) { try other.add(name: "r", file: path, offset: 10, length: 1 << 30) }
        #expect(throws: EvidenceError.self) { try other.add(name: "r", file: path, offset: -1) }
        #expect(other.bytesWritten == 0)
        other.abort()
    }

    @Test func abortAndDeinitRemoveAnUnfinishedPackage() throws {
        let directory = try evidenceTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let aborted = directory + "/aborted.zip"
        let writer = try ZipWriter(path: aborted)
        try writer.add(name: "a", data: Data("a".utf8))
        writer.abort()
        writer.abort()
        #expect(!FileManager.default.fileExists(atPath: aborted))
        #expect(throws: EvidenceError.self) { try writer.add(name: "b", data: Data()) }
        #expect(throws: EvidenceError.self) { try writer.finish() }

        let dropped = directory + "/dropped.zip"
        do {
            let unfinished = try ZipWriter(path: dropped)
            try unfinished.add(name: "a", data: Data("a".utf8))
            #expect(FileManager.default.fileExists(atPath: dropped))
        }
        #expect(!FileManager.default.fileExists(atPath: dropped))

        let kept = directory + "/kept.zip"
        let finished = try ZipWriter(path: kept)
        try finished.finish()
        finished.abort()  // a finished package is the caller's
        #expect(try ZipReader(path: kept).entries.isEmpty)
    }

    /// A 256 KiB tmpfs: the entry that does not fit fails with "disk full", the package stays
    /// consistent up to the entry before, and abort removes it.
    @Test func diskFullIsReportedAndAbortRemovesThePartialFile() async throws {
        let directory = try evidenceTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let mountPoint = directory + "/small"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let (mounted, _, mountErrors) = try await Subprocess.run("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint])
        guard mounted == 0 else {
            // Skipped: mounting needs root (CAP_SYS_ADMIN), which this environment does not give.
            print("ZipTests: disk-full case skipped, tmpfs mount refused: \(mountErrors)")
            return
        }
        var failure: (any Error)?
        do {
            let path = mountPoint + "/package.zip"
            let writer = try ZipWriter(path: path)
            try writer.add(name: "fits.bin", data: bytes(64 << 10, seed: 5))
            let error = try #require(throws: EvidenceError.self) { try writer.add(name: "too-big.bin", data: bytes(1 << 20, seed: 6)) }
            #expect(error.message.contains("disk full") && error.message.contains(path), "\(error)")
            #expect(writer.bytesWritten < 70 << 10)
            writer.abort()
            #expect(!FileManager.default.fileExists(atPath: path))
        } catch {
            failure = error
        }
        let (unmounted, _, unmountErrors) = try await Subprocess.run("umount", [mountPoint])
        #expect(unmounted == 0, "\(unmountErrors)")
        if let failure { throw failure }
    }
}
