import Foundation
import Logging
import MediaTypes
import MetricsTestKit
import StreamHub
import Telemetry
import Testing
@testable import HLSPackager

/// Synthetic access units: H.264 IDR/non-IDR slices and ADTS AAC frames, enough for the muxer.
struct SyntheticStream {
    static let video = Track(index: 0, codec: .h264, pid: 256, width: 320, height: 240)
    static let audio = Track(index: 1, codec: .aac, pid: 257, sampleRate: 48000, channels: 2)
    static let adts: [UInt8] = [0xFF, 0xF1, 0x4C, 0x80, 0x01, 0x1F, 0xFC] + [UInt8](repeating: 0x21, count: 2)

    var fps: Int64 = 25
    var pts: Int64 = 900_000
    var frame = 0

    /// Publishes `seconds` of video with a keyframe every `gop` seconds (and audio if asked).
    mutating func feed(_ session: PublisherSession, seconds: Double, gop: Double, audio: Bool = true) {
        let frames = Int(seconds * Double(fps))
        let interval = 90_000 / fps
        for _ in 0..<frames {
            let key = frame % Int(gop * Double(fps)) == 0
            let data: [UInt8] = [0, 0, 0, 1, key ? 0x65 : 0x41, 0x88, 0x84, 0x21, 0xA0]
            session.publish(AccessUnit(track: 0, pts: pts, dts: pts, duration: interval, isKeyframe: key, data: data, arrival: MonotonicClock.now()))
            if audio && frame % 2 == 0 {
                session.publish(AccessUnit(track: 1, pts: pts, dts: pts, duration: 1920, isKeyframe: true, data: Self.adts, arrival: MonotonicClock.now()))
            }
            pts += interval
            frame += 1
        }
    }
}

@Suite("Classic HLS packaging: cutting, target duration, window, discontinuities")
struct ClassicHLSPackagerTests {
    func setUp(target: Double = 2, window: Int = 3, retained: Int = 1) throws -> (PathManager, PathName) {
        var configuration = PathManager.Configuration()
        configuration.reconnectGrace = .seconds(30)
        let hls = HLSConfiguration(segmentTargetSeconds: target, windowSegments: window, retainedSegments: retained)
        let paths = PathManager(configuration: configuration, logger: Logger(label: "test")) { path in
            [ClassicHLSPackager(path: path, configuration: hls, logger: Logger(label: "test"))]
        }
        return (paths, try PathName("lab/synthetic"))
    }

    func identity() -> PublisherIdentity { PublisherIdentity(source: "lab/synthetic", connection: "test") { _ in } }

    func packager(_ paths: PathManager, _ name: PathName) throws -> ClassicHLSPackager {
        try #require(paths.path(name)?.reader(of: ClassicHLSPackager.self))
    }

    @Test("segments start on keyframes and are cut at the first keyframe at or after the target")
    func cutting() throws {
        let (paths, name) = try setUp(target: 2, window: 10)
        let session = try paths.attachPublisher(name, identity: identity())
        session.publish(tracks: [SyntheticStream.video, SyntheticStream.audio])
        var stream = SyntheticStream()
        // Keyframes every 0.8 s: cuts at 2.4 s (the first keyframe at or after 2 s).
        stream.frame = 5  // start mid-GOP: units before the first keyframe are dropped
        stream.feed(session, seconds: 8.2, gop: 0.8)
        let packager = try packager(paths, name)
        let playlist = try #require(packager.playlist())
        // Keyframes at frames 20, 40, ... 200: segments [20, 80), [80, 140), [140, 200).
        #expect(playlist.entries.count == 3)
        #expect(playlist.entries.allSatisfy { abs($0.duration - 2.4) < 0.001 })
        #expect(playlist.targetDuration == 2, "2.4 rounds to 2")
        #expect(packager.statistics.unitsWaitingForKeyframe > 0)
        let segment = try #require(packager.segment(named: playlist.entries[0].uri))
        #expect(segment.data.first == 0x47)
        #expect(segment.data.count % 188 == 0)
    }

    @Test("EXT-X-TARGETDURATION is fixed by the first segment and never changes; a longer GOP is cut at the target without a keyframe")
    func targetDurationFixed() throws {
        let (paths, name) = try setUp(target: 2, window: 10)
        let session = try paths.attachPublisher(name, identity: identity())
        session.publish(tracks: [SyntheticStream.video])
        var stream = SyntheticStream()
        stream.feed(session, seconds: 6, gop: 3, audio: false)   // first segment 3 s → target 3
        stream.feed(session, seconds: 10, gop: 5, audio: false)  // then 5 s GOPs
        let packager = try packager(paths, name)
        let playlist = try #require(packager.playlist())
        #expect(playlist.targetDuration == 3)
        // RFC 8216 4.3.3.1: every EXTINF rounded to the nearest integer is at most the target.
        #expect(playlist.entries.allSatisfy { Int($0.duration.rounded()) <= 3 }, "\(playlist.entries.map(\.duration))")
        #expect(packager.statistics.oversizedSegments == 0)
        #expect(packager.statistics.segmentsWithoutKeyframe >= 1)
        // The segments cut inside a GOP say so; the others start on a keyframe.
        let segments = playlist.entries.compactMap { packager.segment(named: $0.uri) }
        #expect(segments.contains { !$0.independent } && segments.contains { $0.independent })
    }

    @Test("the classic muxer's refusals count in fieldrelay_hls_mux_errors_total (they went to a private figure only)")
    func classicMuxErrorsReachTheMetrics() throws {
        let recorded = TestMetrics()
        let metrics = HLSMetrics(metrics: MetricsRegistry(backend: RecordingBackend(metrics: recorded)))
        let hls = HLSConfiguration(segmentTargetSeconds: 1, windowSegments: 3, retainedSegments: 1)
        let paths = PathManager(configuration: PathManager.Configuration(), logger: Logger(label: "test")) { path in
            [ClassicHLSPackager(path: path, configuration: hls, metrics: metrics, logger: Logger(label: "test"))]
        }
        let name = try PathName("lab/opus")
        let session = try paths.attachPublisher(name, identity: identity())
        // Opus is not carried in MPEG-TS segments: every segment the packager tries to start is refused.
        session.publish(tracks: [SyntheticStream.video, Track(index: 1, codec: .opus, pid: 257, sampleRate: 48000, channels: 2)])
        var stream = SyntheticStream()
        stream.feed(session, seconds: 3, gop: 1, audio: false)
        let packager = try packager(paths, name)
        #expect(packager.statistics.muxErrors > 0)
        #expect(try recorded.expectCounter("fieldrelay_hls_mux_errors_total").totalValue == Int64(packager.statistics.muxErrors))
    }

    @Test("the window slides, media sequence never goes back, retained segments stay fetchable")
    func window() throws {
        let (paths, name) = try setUp(target: 1, window: 3, retained: 2)
        let session = try paths.attachPublisher(name, identity: identity())
        session.publish(tracks: [SyntheticStream.video, SyntheticStream.audio])
        var stream = SyntheticStream()
        stream.feed(session, seconds: 10.08, gop: 1)
        let packager = try packager(paths, name)
        let playlist = try #require(packager.playlist())
        #expect(playlist.entries.count == 3)
        #expect(playlist.mediaSequence == 7, "segments 0-9 made, 7-9 listed")
        let retained = playlist.entries[0].uri.replacingOccurrences(of: "-7.ts", with: "-5.ts")
        let retainedFound = packager.segment(named: retained) != nil
        #expect(retainedFound, "segment 5 is retained after leaving the playlist")
        let droppedFound = packager.segment(named: playlist.entries[0].uri.replacingOccurrences(of: "-7.ts", with: "-4.ts")) != nil
        #expect(!droppedFound, "segment 4 is gone")
    }

    @Test("a reconnect continues the playlist with EXT-X-DISCONTINUITY; the discontinuity sequence counts it out")
    func reconnect() throws {
        let (paths, name) = try setUp(target: 1, window: 3, retained: 0)
        let first = try paths.attachPublisher(name, identity: identity())
        first.publish(tracks: [SyntheticStream.video])
        var stream = SyntheticStream()
        stream.feed(first, seconds: 2.5, gop: 1, audio: false)
        first.end()
        let second = try paths.attachPublisher(name, identity: identity())
        second.publish(tracks: [SyntheticStream.video])
        var other = SyntheticStream(pts: 12_345)  // a new encoder: a new timeline
        other.feed(second, seconds: 2.04, gop: 1, audio: false)
        let packager = try packager(paths, name)
        var playlist = try #require(packager.playlist())
        var text = playlist.render()
        #expect(text.components(separatedBy: "#EXT-X-DISCONTINUITY\n").count == 2)
        #expect(playlist.discontinuitySequence == 0)
        #expect(playlist.entries.map(\.discontinuity) == [false, true, false])
        // Slide the discontinuity out of the window.
        other.feed(second, seconds: 2, gop: 1, audio: false)
        playlist = try #require(packager.playlist())
        text = playlist.render()
        #expect(playlist.discontinuitySequence == 1)
        #expect(text.contains("#EXT-X-DISCONTINUITY-SEQUENCE:1\n"))
        #expect(!text.contains("#EXT-X-DISCONTINUITY\n"))
    }

    @Test("after the grace window the playlist ends with EXT-X-ENDLIST")
    func ended() throws {
        var configuration = PathManager.Configuration()
        configuration.reconnectGrace = .seconds(1)
        let paths = PathManager(configuration: configuration, logger: Logger(label: "test")) { path in
            [ClassicHLSPackager(path: path, configuration: HLSConfiguration(segmentTargetSeconds: 1), logger: Logger(label: "test"))]
        }
        let name = try PathName("lab/ending")
        let session = try paths.attachPublisher(name, identity: identity())
        session.publish(tracks: [SyntheticStream.video])
        var stream = SyntheticStream()
        stream.feed(session, seconds: 3, gop: 1, audio: false)
        session.end()
        paths.tick(now: MonotonicClock.now(), wallNow: Date().addingTimeInterval(2))
        let playlist = try #require(try packager(paths, name).playlist())
        #expect(playlist.ended)
        #expect(playlist.render().hasSuffix("#EXT-X-ENDLIST\n"))
        #expect(playlist.entries.count == 3, "the last, partial segment is kept at the disconnect")
    }

    @Test("a playlist waiter is woken by the first segment")
    func waiting() async throws {
        let (paths, name) = try setUp(target: 1)
        let session = try paths.attachPublisher(name, identity: identity())
        session.publish(tracks: [SyntheticStream.video])
        let packager = try packager(paths, name)
        let empty = packager.playlist() == nil
        #expect(empty)
        async let ready = packager.waitForPlaylist(timeout: .seconds(20))
        try await Task.sleep(for: .milliseconds(50))
        var stream = SyntheticStream()
        stream.feed(session, seconds: 1.1, gop: 1, audio: false)
        #expect(await ready)
        #expect(await packager.waitForPlaylist(timeout: .milliseconds(1)))
    }

    @Test("a first playlist can be held until three target durations are listed; a first segment alone does not answer it")
    func startableWait() async throws {
        let (paths, name) = try setUp(target: 1, window: 6)
        let session = try paths.attachPublisher(name, identity: identity())
        session.publish(tracks: [SyntheticStream.video])
        var stream = SyntheticStream()
        stream.feed(session, seconds: 2.04, gop: 1, audio: false)   // two 1 s segments complete
        let packager = try packager(paths, name)
        #expect(packager.playlist()?.startable == false)
        #expect(await packager.waitForPlaylist(timeout: .milliseconds(1)))
        #expect(await packager.waitForStartablePlaylist(timeout: .milliseconds(50)) == false)
        async let startable = packager.waitForStartablePlaylist(timeout: .seconds(20))
        try await Task.sleep(for: .milliseconds(50))
        stream.feed(session, seconds: 1, gop: 1, audio: false)     // the third completes
        #expect(await startable)
        #expect(packager.playlist()?.startable == true)
    }

    @Test("a first playlist held for three target durations is answered as soon as the camera leaves")
    func startableWaitEndsWhenThePublisherLeaves() async throws {
        let (paths, name) = try setUp(target: 1, window: 6)
        let session = try paths.attachPublisher(name, identity: identity())
        session.publish(tracks: [SyntheticStream.video])
        var stream = SyntheticStream()
        stream.feed(session, seconds: 1.04, gop: 1, audio: false)   // one segment
        let packager = try packager(paths, name)
        async let held = packager.waitForStartablePlaylist(timeout: .seconds(20))
        try await Task.sleep(for: .milliseconds(50))
        session.end()
        #expect(await held, "answered when the camera left (a timeout answers false)")
        #expect(packager.playlist()?.startable == false)
    }

    @Test("a waiter with nothing to wait for times out false")
    func waitingTimesOut() async throws {
        let (paths, name) = try setUp(target: 1)
        _ = try paths.attachPublisher(name, identity: identity())
        let packager = try packager(paths, name)
        #expect(await packager.waitForPlaylist(timeout: .milliseconds(100)) == false)
    }
}

@Suite("Playlist text (RFC 8216)")
struct PlaylistWriterTests {
    @Test("tags, order and values of a live playlist")
    func classicText() {
        let date = Date(timeIntervalSince1970: 1_764_374_400.25)
        let text = PlaylistWriter.classic(entries: [
            .init(uri: "a-7.ts", duration: 2.0, discontinuity: false, programDateTime: date),
            .init(uri: "a-8.ts", duration: 1.96, discontinuity: true, programDateTime: date.addingTimeInterval(2)),
        ], targetDuration: 2, mediaSequence: 7, discontinuitySequence: 3, ended: false)
        #expect(text == """
        #EXTM3U
        #EXT-X-VERSION:3
        #EXT-X-TARGETDURATION:2
        #EXT-X-MEDIA-SEQUENCE:7
        #EXT-X-DISCONTINUITY-SEQUENCE:3
        #EXT-X-PROGRAM-DATE-TIME:2025-11-29T00:00:00.250Z
        #EXTINF:2.000,
        a-7.ts
        #EXT-X-DISCONTINUITY
        #EXT-X-PROGRAM-DATE-TIME:2025-11-29T00:00:02.250Z
        #EXTINF:1.960,
        a-8.ts

        """)
    }

    @Test("an ended playlist closes with EXT-X-ENDLIST and omits a zero discontinuity sequence")
    func endedText() {
        let text = PlaylistWriter.classic(entries: [], targetDuration: 4, mediaSequence: 0, discontinuitySequence: 0, ended: true)
        #expect(text == "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-ENDLIST\n")
    }
}
