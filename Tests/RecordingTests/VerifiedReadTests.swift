import Foundation
import Recording
import RecordingStore
import Testing

@Suite("Verified reads: byte ranges of indexed bytes only, each fragment's hash checked before it is served")
struct VerifiedReadTests {
    @Test func rangeHeaders() {
        let total: Int64 = 1000
        #expect(VerifiedRead.parseRange("bytes=0-99", total: total) == .partial(0...99))
        #expect(VerifiedRead.parseRange("bytes=900-", total: total) == .partial(900...999))
        #expect(VerifiedRead.parseRange("bytes=-100", total: total) == .partial(900...999))
        #expect(VerifiedRead.parseRange("bytes=-5000", total: total) == .partial(0...999))
        #expect(VerifiedRead.parseRange("bytes=990-5000", total: total) == .partial(990...999))
        #expect(VerifiedRead.parseRange("bytes=0-99999999999999999999999", total: total) == .partial(0...999))
        #expect(VerifiedRead.parseRange("Bytes = 5-5", total: total) == .partial(5...5))
        #expect(VerifiedRead.parseRange("", total: total) == .full)
        // Past the end: 416.
        #expect(VerifiedRead.parseRange("bytes=1000-", total: total) == .unsatisfiable)
        #expect(VerifiedRead.parseRange("bytes=1000-1100", total: total) == .unsatisfiable)
        #expect(VerifiedRead.parseRange("bytes=99999999999999999999999-", total: total) == .unsatisfiable)
        #expect(VerifiedRead.parseRange("bytes=-0", total: total) == .unsatisfiable)
        // Malformed, another unit, several ranges.
        #expect(VerifiedRead.parseRange("bytes=5-2", total: total) == .invalid)
        #expect(VerifiedRead.parseRange("bytes=0-1,5-6", total: total) == .invalid)
        #expect(VerifiedRead.parseRange("items=0-1", total: total) == .invalid)
        #expect(VerifiedRead.parseRange("bytes=a-b", total: total) == .invalid)
        #expect(VerifiedRead.parseRange("bytes=-", total: total) == .invalid)
        #expect(VerifiedRead.parseRange("bytes=+1-2", total: total) == .invalid)
        #expect(VerifiedRead.parseRange("bytes 0-1", total: total) == .invalid)
    }

    /// A recorded file with its index entries and bytes.
    func recorded() async throws -> (RecordingFixture, RecordedFile, [RecordedFragment], [UInt8]) {
        let fixture = try RecordingFixture(clockStart: RecordingFixture.start)
        let (tracks, units) = try await RecordingFixture.media(RecordingFixture.sixSeconds)
        await fixture.record(path: "cam/bc-0101", tracks: tracks, units: units)
        let file = try #require(try fixture.files("cam/bc-0101").first)
        let fragments = try fixture.index.fragments(fileID: file.id)
        try #require(fragments.count >= 4)
        return (fixture, file, fragments, try fixture.bytes(of: file))
    }

    @Test func servesExactBytes() async throws {
        let (fixture, file, fragments, bytes) = try await recorded()
        let total = Int64(bytes.count)

        // One fragment exactly.
        let one = fragments[1].offset...(fragments[1].offset + fragments[1].length - 1)
        let read = try VerifiedRead.read(directory: fixture.directory, file: file, fragments: fragments, range: one)
        #expect(read.range == one && read.total == total)
        #expect(read.bytes == Array(bytes[Int(one.lowerBound)...Int(one.upperBound)]))

        // From inside the init section to inside the second fragment (init + 2 fragments read).
        let spanning = (file.initLength / 2)...(fragments[1].offset + 10)
        let across = try VerifiedRead.read(directory: fixture.directory, file: file, fragments: fragments, range: spanning)
        #expect(across.bytes == Array(bytes[Int(spanning.lowerBound)...Int(spanning.upperBound)]))

        // The whole file, and a suffix as a Range header asks for it.
        let whole = try VerifiedRead.read(directory: fixture.directory, file: file, fragments: fragments, range: nil)
        #expect(whole.bytes == bytes && whole.range == 0...(total - 1))
        guard case .partial(let suffix) = VerifiedRead.parseRange("bytes=-10", total: total) else {
            Issue.record("a suffix range")
            return
        }
        #expect(try VerifiedRead.read(directory: fixture.directory, file: file, fragments: fragments, range: suffix).bytes
                == Array(bytes.suffix(10)))

        // Longer than one response carries: the first `limit` bytes, the total unchanged.
        let capped = try VerifiedRead.read(directory: fixture.directory, file: file, fragments: fragments, range: nil, limit: 1000)
        #expect(capped.range == 0...999 && capped.total == total && capped.bytes == Array(bytes.prefix(1000)))

        // Past the end: refused (416 from parseRange, an invalid request from read).
        #expect(VerifiedRead.parseRange("bytes=\(total)-", total: total) == .unsatisfiable)
        #expect { try VerifiedRead.read(directory: fixture.directory, file: file, fragments: fragments, range: total...(total + 10)) } throws: { error in
            (error as? RecordingError)?.code == .invalidRequest
        }
    }

    @Test func servesIndexedBytesOnly() async throws {
        let (fixture, file, fragments, bytes) = try await recorded()
        // Bytes written after the last index entry (a file still being written) are not served,
        // and the total is the indexed end.
        let handle = try FileHandle(forWritingTo: fixture.url(of: file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 0xAB, count: 5000))
        try handle.close()
        let total = Int64(bytes.count)
        #expect(VerifiedRead.indexedLength(file: file, fragments: fragments) == total)
        let tail = try VerifiedRead.read(directory: fixture.directory, file: file, fragments: fragments, range: (total - 100)...(total + 4000))
        #expect(tail.range == (total - 100)...(total - 1) && tail.total == total)
        #expect(tail.bytes == Array(bytes.suffix(100)))
        #expect(VerifiedRead.parseRange("bytes=\(total + 10)-", total: tail.total) == .unsatisfiable)

        // Once the index forgets the last fragment, its bytes are not served either.
        let fewer = Array(fragments.dropLast())
        let shorter = try VerifiedRead.read(directory: fixture.directory, file: file, fragments: fewer, range: nil)
        #expect(shorter.total == fragments.last!.offset && shorter.bytes == Array(bytes.prefix(Int(fragments.last!.offset))))
    }

    @Test func refusesAlteredBytes() async throws {
        let (fixture, file, fragments, _) = try await recorded()
        // One byte of fragment 2 changed on disk.
        let handle = try FileHandle(forUpdating: fixture.url(of: file))
        let position = UInt64(fragments[2].offset + fragments[2].length / 2)
        try handle.seek(toOffset: position)
        let original = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: position)
        try handle.write(contentsOf: [original ^ 0x01])
        try handle.close()

        func refusal(_ range: ClosedRange<Int64>?) -> RecordingError? {
            let attempt: () throws -> Void = {
                _ = try VerifiedRead.read(directory: fixture.directory, file: file, fragments: fragments, range: range)
            }
            do {
                try attempt()
                return nil
            } catch {
                return error as? RecordingError
            }
        }
        // Any range touching fragment 2, even one byte of it that was not changed.
        #expect(refusal(fragments[2].offset...fragments[2].offset) == RecordingError(.integrity, "\(file.name) fragment 2 altered"))
        #expect(refusal(nil)?.message == "\(file.name) fragment 2 altered")
        #expect(refusal(fragments[1].offset...(fragments[3].offset + 1))?.code == .integrity)
        // The fragments around it are still served.
        let before = fragments[1].offset...(fragments[1].offset + fragments[1].length - 1)
        #expect(refusal(before) == nil)
        let after = fragments[3].offset...(fragments[3].offset + fragments[3].length - 1)
        #expect(refusal(after) == nil)

        // An altered init section.
        let initHandle = try FileHandle(forUpdating: fixture.url(of: file))
        try initHandle.seek(toOffset: 20)
        let first = try #require(try initHandle.read(upToCount: 1)?.first)
        try initHandle.seek(toOffset: 20)
        try initHandle.write(contentsOf: [first ^ 0x80])
        try initHandle.close()
        #expect(refusal(0...0) == RecordingError(.integrity, "\(file.name) init section altered"))
        #expect(refusal(before) == nil)

        // A file truncated or removed: refused too.
        try FileManager.default.removeItem(at: fixture.url(of: file))
        #expect(refusal(before)?.code == .integrity)
    }
}
