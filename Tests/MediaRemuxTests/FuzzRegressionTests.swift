import Foundation
import Logging
import MediaTypes
import Testing
import TestSupport
@testable import MediaRemux

/// Inputs the `intake` fuzzer (Tests/Fuzz/Sources/intake/IntakeFuzz.swift) found failing, replayed the
/// way it feeds them. Their files are in Tests/Fuzz/regressions/.
@Suite("Fuzzer findings in the MPEG-TS intake and the muxers")
struct IntakeFuzzRegressionTests {
    static func input(_ name: String) throws -> [UInt8] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try [UInt8](Data(contentsOf: root.appendingPathComponent("Tests/Fuzz/regressions/\(name)")))
    }

    /// The fuzzer's delivery for a control block of zeros (no drops, duplicates or timestamp
    /// jumps): 1316-byte datagrams 40 ms apart.
    static func replay(_ input: [UInt8]) throws -> (tracks: [[Track]], units: [AccessUnit]) {
        #expect(input.prefix(8).allSatisfy { $0 == 0 }, "this replay knows only the all-zero control block")
        let stream = Array(input.dropFirst(8))
        let reader = TransportStreamReader(logger: Logger(label: "test"))
        var tracks: [[Track]] = []
        var units: [AccessUnit] = []
        let emit = { (event: TransportStreamReader.Event) in
            switch event {
            case .tracks(let list): tracks.append(list)
            case .accessUnit(let unit): units.append(unit)
            }
        }
        var arrival: UInt64 = 1_000_000_000
        var offset = 0
        while offset < stream.count {
            let end = min(stream.count, offset + 1316)
            try stream[offset..<end].withUnsafeBytes { try reader.feed($0, arrival: arrival, emit: emit) }
            offset = end
            arrival += 40_000_000
        }
        reader.flush(arrival: arrival, emit: emit)
        return (tracks, units)
    }

    /// A stream whose tracks were published without what fMP4 needs (found leaking under ASan:
    /// FragmentedMP4Muxer.init threw after allocating its format context and packet, and a
    /// partly initialized object runs no deinit). Since the NAL scanner stops at the first slice,
    /// this input no longer yields such a track list (its parameter sets came after a slice), so
    /// the input is replayed for what it still is — malformed intake that must not crash — and the
    /// refusals are made directly. Run the suite with `--sanitize=address` to see that every
    /// refusal frees what it allocated.
    @Test("tracks the MP4 muxer refuses: refused with a reason, repeatedly, nothing kept")
    func refusedTracks() throws {
        let (tracks, units) = try Self.replay(try Self.input("intake-mp4muxer-refused-tracks-leak"))
        let refused: [[Track]] = [
            [Track(index: 0, codec: .h264, pid: 256)],                                   // no picture size
            [Track(index: 0, codec: .h264, pid: 256, width: 640, height: 360)],          // no SPS/PPS
            [Track(index: 0, codec: .aac, pid: 257)],                                    // no sample rate
        ]
        var refusals = 0
        for list in refused + tracks {
            for _ in 0..<3 {
                do {
                    _ = try FragmentedMP4Muxer(tracks: list)
                } catch {
                    refusals += 1
                    #expect(!error.message.isEmpty)
                }
            }
            // The classic muxer takes the same tracks and the units that follow them.
            if let muxer = try? TransportStreamMuxer(tracks: list) {
                for unit in units where unit.track < list.count { try? muxer.write(unit) }
                _ = try? muxer.finish()
            }
        }
        #expect(refusals >= 3 * refused.count)
    }

    /// An H.265 keyframe whose parameter sets hold a mangled SPS: libavformat 59's hvcC writer read
    /// past its end into a short-term reference picture set count of 2^32 - 1, passed its size
    /// check (a negative "bits left" compared as unsigned) and looped for minutes inside
    /// `avformat_write_header` (intake fuzzer: a hang, so a receive loop and its cameras would stop).
    /// libavcodec's decoder now vets the sets first (`ParameterSetCheck`) and the muxer refuses them.
    /// The input's control block (a timestamp jump) is zeroed here: the parameter sets do not depend on it.
    @Test("H.265 parameter sets with an SPS read past its end are refused before libavformat's hvcC writer")
    func hevcSPSOverread() throws {
        let (tracks, _) = try Self.replay(try Self.input("intake-hevc-sps-overread-hang"))
        let hevc = try #require(tracks.flatMap { $0 }.first { $0.codec == .hevc && $0.extradata != nil }, "no H.265 track with parameter sets")
        #expect(throws: MediaError.self) { try ParameterSetCheck.verify(hevc) }
        for list in tracks where list.contains(where: { $0.codec == .hevc }) {
            #expect(throws: MediaError.self) { _ = try FragmentedMP4Muxer(tracks: list) }
        }
    }

    @Test("parameter sets from real encoders pass the check: x264 and x265 through the intake")
    func realParameterSetsPass() async throws {
        for video in [Clips.Video.h264, .hevc] {
            let clip = try await Clips.make(.init(video: video, audio: true, seconds: 2, keyframeSeconds: 1))
            let (tracks, _, _) = try demux([UInt8](Data(contentsOf: clip)))
            let track = try #require(tracks.last?.first { $0.codec.isVideo })
            try ParameterSetCheck.verify(track)
            _ = try FragmentedMP4Muxer(tracks: try #require(tracks.last))
        }
    }

    /// An AAC access unit of 8 bytes whose ADTS header says a CRC follows (9 header bytes): the
    /// fMP4 muxer sliced unit.data[9...] and trapped (intake fuzzer). It must be refused or muxed,
    /// never crash.
    @Test("an ADTS frame shorter than its own header does not crash the fMP4 muxer")
    func truncatedADTS() throws {
        #expect(FragmentedMP4Muxer.adtsHeaderLength([0xFF, 0xF0, 0x50, 0x80, 0x01, 0x00, 0xFC, 0x00]) == nil)
        #expect(FragmentedMP4Muxer.adtsHeaderLength([0xFF, 0xF0, 0x50, 0x80, 0x01, 0x00, 0xFC, 0x00, 0x00]) == 9)
        #expect(FragmentedMP4Muxer.adtsHeaderLength([0xFF, 0xF1, 0x50, 0x80, 0x01, 0x00, 0xFC]) == 7)
        let audio = Track(index: 0, codec: .aac, pid: 257, sampleRate: 48_000, channels: 2, extradata: [0x11, 0x90])
        let muxer = try FragmentedMP4Muxer(tracks: [audio])
        let unit = AccessUnit(track: 0, pts: 0, dts: 0, duration: 1920, isKeyframe: true,
                              data: [0xFF, 0xF0, 0x50, 0x80, 0x01, 0x00, 0xFC, 0x00], arrival: 0)
        do { try muxer.write(unit) } catch { #expect(!error.message.isEmpty) }
    }
}
