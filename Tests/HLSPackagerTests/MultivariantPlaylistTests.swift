import Foundation
import Logging
import MediaTypes
import StreamHub
import Testing
import TestSupport
@testable import HLSPackager

@Suite("Multivariant playlist: peak and average segment bit rates, codecs, frame rate, text")
struct MultivariantPlaylistTests {
    struct Sized: WindowedSegment {
        var sequence = 0
        var duration: Double
        var discontinuity = false
        var byteCount: Int
        var frames = 0
    }

    /// Feeds segments (seconds, bytes) one by one as a window would, target `target`.
    func rates(_ segments: [(Double, Int)], target: Int) -> SegmentBitrate {
        var rate = SegmentBitrate()
        var window: [Sized] = []
        for (seconds, bytes) in segments {
            window.append(Sized(sequence: window.count, duration: seconds, byteCount: bytes))
            rate.add(newestOf: window, targetDuration: target)
        }
        return rate
    }

    @Test("BANDWIDTH is the richest contiguous set lasting 0.5 to 1.5 target durations (RFC 8216 4.1), never a lone short burst")
    func peak() {
        // Three 2 s segments of 250, 500, 300 kB: the middle one alone is the peak (2 Mbit/s).
        let even = rates([(2, 250_000), (2, 500_000), (2, 300_000)], target: 2)
        #expect(even.bandwidth == 2_000_000)
        #expect(even.averageBandwidth == 1_400_000)
        // A 0.25 s segment of 100 kB (3.2 Mbit/s on its own) is shorter than half the target: it
        // counts only inside a set long enough, 2 s + 0.25 s: (100 + 100) kB over 2.25 s.
        let burst = rates([(2, 100_000), (0.25, 100_000), (2, 100_000)], target: 2)
        #expect(burst.bandwidth == 711_112)
        // Sets of short parts add up: four 0.5 s segments, target 2; the best set is the last two
        // or more of them, never one alone.
        let short = rates([(0.5, 10_000), (0.5, 10_000), (0.5, 40_000), (0.5, 40_000)], target: 2)
        #expect(short.bandwidth == 640_000, "the last two: 80 kB over 1 s")
        // Never falls: a quieter stream later keeps the peak seen.
        let later = rates([(2, 500_000), (2, 100_000), (2, 100_000)], target: 2)
        #expect(later.bandwidth == 2_000_000)
        // Until a set qualifies (one 0.5 s stub so far), the richest segment stands in.
        let stub = rates([(0.5, 50_000)], target: 2)
        #expect(stub.bandwidth == 800_000)
        #expect(SegmentBitrate().bandwidth == nil && SegmentBitrate().averageBandwidth == nil)
    }

    @Test("the text: version, independence only when true, one STREAM-INF naming index.m3u8 with the token")
    func text() {
        let full = MultivariantPlaylist(version: 6, bandwidth: 1_234_567, averageBandwidth: 900_001, codecs: ["avc1.64001f", "mp4a.40.2"],
                                        width: 1280, height: 720, frameRate: 30_000.0 / 1001, independentSegments: true)
        #expect(full.render(uriSuffix: "?token=a%2Bb") == """
            #EXTM3U
            #EXT-X-VERSION:6
            #EXT-X-INDEPENDENT-SEGMENTS
            #EXT-X-STREAM-INF:BANDWIDTH=1234567,AVERAGE-BANDWIDTH=900001,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=29.970
            index.m3u8?token=a%2Bb

            """)
        // Audio only, a codec unknown, a long GOP cut without keyframes: what is not known is not said.
        let sparse = MultivariantPlaylist(version: 3, bandwidth: 70_000, codecs: nil, independentSegments: false)
        #expect(sparse.render() == "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=70000\nindex.m3u8\n")
        #expect(MultivariantPlaylist.codecs(of: [Track(index: 0, codec: .aac, pid: 257, extradata: [0x11, 0x90]),
                                                 Track(index: 1, codec: .hevc, pid: 256)]) == nil)
        #expect(MultivariantPlaylist.codecs(of: [Track(index: 0, codec: .aac, pid: 257, extradata: [0x11, 0x90]),
                                                 Track(index: 1, codec: .opus, pid: 258)]) == ["mp4a.40.2", "opus"])
    }

    @Test("both packagers describe a real H.264 High + AAC clip: codecs, 320x240, 25 fps, BANDWIDTH at least every segment's rate")
    func fromPackagers() async throws {
        let paths = PathManager(configuration: .init(), logger: Logger(label: "test")) { _ in [] }
        let packagers = HLSPackagers(classic: HLSConfiguration(segmentTargetSeconds: 1),
                                     lowLatency: LowLatencyConfiguration(segmentTargetSeconds: 1, partTargetSeconds: 0.2),
                                     idleTimeout: .seconds(60), logger: Logger(label: "test"))
        _ = try await publishClip(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1, preset: "veryfast"), on: paths, name: "lab/variant")
        let path = try #require(paths.path(try PathName("lab/variant")))

        let lowLatency = packagers.lowLatency(for: path)
        let ll = try #require(lowLatency.multivariant())
        let llPlaylist = try #require(lowLatency.playlist())
        let llSegments = try llPlaylist.segments.filter { $0.uri != nil }.map { segment in
            (segment.duration, try #require(lowLatency.data(for: .segment(segment.sequence))).count)
        }
        let classic = packagers.classic(for: path)
        let ts = try #require(classic.multivariant())
        let tsSegments = try #require(classic.playlist()).entries.map { entry in
            (entry.duration, (classic.segment(named: entry.uri)?.data.count ?? 0))
        }
        for (variant, segments, version) in [(ll, llSegments, 6), (ts, tsSegments, 3)] {
            #expect(variant.version == version)
            #expect(variant.codecs == ["avc1.64000d", "mp4a.40.2"])
            #expect(variant.width == 320 && variant.height == 240)
            #expect(variant.frameRate.map { abs($0 - 25) < 0.001 } == true, "\(variant.frameRate ?? 0)")
            #expect(variant.independentSegments, "1 s GOPs: every segment starts on a keyframe")
            #expect(!segments.isEmpty)
            for (seconds, bytes) in segments where seconds >= 0.5 && seconds <= 1.5 {
                #expect(Double(variant.bandwidth) >= Double(bytes * 8) / seconds, "a segment of \(bytes) B in \(seconds) s")
            }
            let average = Double(segments.reduce(0) { $0 + $1.1 } * 8) / segments.reduce(0) { $0 + $1.0 }
            let declared = Double(try #require(variant.averageBandwidth))
            #expect(declared <= Double(variant.bandwidth))
            #expect(abs(declared - average) / average < 0.25, "average \(declared) vs the listed segments' \(average)")
        }
        #expect(ts.bandwidth > ll.bandwidth, "MPEG-TS costs more bytes than fMP4 for the same media")
    }

    @Test("a long GOP cut at the target takes EXT-X-INDEPENDENT-SEGMENTS away")
    func longGOP() throws {
        let paths = PathManager(configuration: .init(), logger: Logger(label: "test")) { path in
            [ClassicHLSPackager(path: path, configuration: HLSConfiguration(segmentTargetSeconds: 2, windowSegments: 10), logger: Logger(label: "test"))]
        }
        let session = try paths.attachPublisher(try PathName("lab/gop"), identity: PublisherIdentity(source: "lab/gop", connection: "test") { _ in })
        session.publish(tracks: [SyntheticStream.video])
        var stream = SyntheticStream()
        stream.feed(session, seconds: 4.2, gop: 2, audio: false)
        let packager = try #require(paths.path(try PathName("lab/gop"))?.reader(of: ClassicHLSPackager.self))
        let before = try #require(packager.multivariant())
        #expect(before.independentSegments)
        #expect(before.codecs == nil, "a track without parameter sets has no codec string")
        #expect(before.render().contains("#EXT-X-INDEPENDENT-SEGMENTS\n"))
        stream.feed(session, seconds: 10, gop: 5, audio: false)
        let after = try #require(packager.multivariant())
        #expect(!after.independentSegments)
        #expect(!after.render().contains("INDEPENDENT"))
    }
}
