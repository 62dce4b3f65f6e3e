import Evidence
import Foundation
import MediaTypes
import Recording
import RecordingStore
import TestSupport
import Testing

@Suite("Recording writer: fragments on keyframes, hashed, indexed after they are on disk")
struct RecordingWriterTests {
    @Test func recordsOneFileOfKeyframeFragments() async throws {
        let fixture = try RecordingFixture()
        let (tracks, units) = try await RecordingFixture.media(Clips.Spec(seconds: 6, keyframeSeconds: 1))
        await fixture.record(path: "cam/bc-0001", tracks: tracks, units: units)

        let files = try fixture.index.files(path: "cam/bc-0001", from: nil, to: nil)
        try #require(files.count == 1)
        let file = files[0]
        #expect(file.isSealed)
        #expect(file.name.hasPrefix("cam/bc-0001/"))
        #expect(file.codecs.contains("avc1."))
        let fragments = try fixture.index.fragments(fileID: file.id)
        // 6 s with a keyframe every second: about six fragments (the clip's end is one too).
        #expect(fragments.count >= 5 && fragments.count <= 7)
        let bytes = try [UInt8](Data(contentsOf: fixture.directory.appendingPathComponent(file.name)))
        var offset = file.initLength
        var chain = FragmentChain(initHash: FragmentChain.hash(bytes[0..<Int(file.initLength)]))
        for fragment in fragments {
            #expect(fragment.offset == offset)
            let slice = bytes[Int(fragment.offset)..<Int(fragment.offset + fragment.length)]
            #expect(FragmentChain.hash(slice) == fragment.hash)
            #expect(fragment.end > fragment.start)
            chain.append(fragment.hash)
            offset += fragment.length
        }
        #expect(offset == Int64(bytes.count))
        #expect(chain.head == file.chainHead)

        // The file decodes: ffprobe counts its video frames.
        let (status, output, _) = try await Subprocess.run("ffprobe", [
            "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames",
            "-of", "csv=p=0", fixture.directory.appendingPathComponent(file.name).path,
        ])
        #expect(status == 0)
        let frames = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(frames >= 140, "ffprobe read \(frames) frames of a 6 s 25 fps clip")

        // The ledger holds the opening and the seal, chained.
        let ledger = try fixture.index.ledger(from: 1)
        #expect(ledger.map(\.kind) == [.fileOpened, .fileSealed])
        #expect(ledger.allSatisfy { $0.isIntact })
        #expect(ledger[1].previousHash == ledger[0].hash)
        #expect(ledger[1].detail["chainHead"] == file.chainHead?.hexString)
    }

    @Test func shutdownSealsAndIsIdempotent() async throws {
        let fixture = try RecordingFixture()
        let (tracks, units) = try await RecordingFixture.media(Clips.Spec(seconds: 4, keyframeSeconds: 1))
        await fixture.record(path: "cam/bc-0003", tracks: tracks, units: units, seal: false)
        // Shutdown writes what is queued and seals the open file; the fixture's deinit shuts down again.
        fixture.writer.shutdown()
        fixture.writer.shutdown()
        let files = try fixture.index.files(path: "cam/bc-0003", from: nil, to: nil)
        #expect(files.count == 1 && files.allSatisfy { $0.isSealed })
    }
}
