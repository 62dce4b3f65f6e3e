import Foundation
import Logging
import MediaRemux
import MediaTypes
import StreamHub
import Testing
import TestSupport
@testable import HLSPackager

/// Feeds a real ffmpeg-made clip, demuxed by the gateway's own intake, into a path.
func publishClip(_ spec: Clips.Spec, on paths: PathManager, name: String) async throws -> PublisherSession {
    let clip = try await Clips.make(spec)
    let reader = TransportStreamReader(logger: Logger(label: "test"))
    let session = try paths.attachPublisher(try PathName(name), identity: PublisherIdentity(source: name, connection: "test") { _ in })
    let bytes = try [UInt8](Data(contentsOf: clip))
    try bytes.withUnsafeBytes { raw in
        try reader.feed(raw, arrival: MonotonicClock.now()) { event in
            switch event {
            case .tracks(let tracks): session.publish(tracks: tracks)
            case .accessUnit(let unit): session.publish(unit)
            }
        }
    }
    return session
}

@Suite("Low-Latency HLS packaging: parts on the frame grid, window, waiting")
struct LowLatencyHLSPackagerTests {
    func setUp() -> (PathManager, HLSPackagers) {
        let paths = PathManager(configuration: .init(), logger: Logger(label: "test")) { _ in [] }
        let packagers = HLSPackagers(classic: HLSConfiguration(segmentTargetSeconds: 1),
                                     lowLatency: LowLatencyConfiguration(segmentTargetSeconds: 1, partTargetSeconds: 0.2),
                                     idleTimeout: .seconds(60), logger: Logger(label: "test"))
        return (paths, packagers)
    }

    @Test("parts: a fixed target on the frame grid, never exceeded, at least 85 % unless independent or final")
    func partRules() async throws {
        let (paths, packagers) = setUp()
        _ = try await publishClip(.init(video: .h264, audio: true, seconds: 16, keyframeSeconds: 1), on: paths, name: "lab/ll")
        let path = try #require(paths.path(try PathName("lab/ll")))
        // Started after the media arrived: it backfills from the path's recent media at once.
        let packager = packagers.lowLatency(for: path)
        let playlist = try #require(packager.playlist())
        #expect(playlist.partTarget == 0.2, "5 frames at 25 fps")
        #expect(playlist.targetDuration == 1)
        for segment in playlist.segments {
            for (index, part) in segment.parts.enumerated() {
                #expect(part.duration <= playlist.partTarget + 1e-9)
                let isFinal = index == segment.parts.count - 1 && segment.uri != nil
                if !part.independent && !isFinal {
                    #expect(part.duration >= 0.85 * playlist.partTarget, "part \(part.uri) is \(part.duration)")
                }
                #expect(part.independent == (index == 0), "only the first part of a segment starts on a keyframe")
            }
        }
        // The window holds at least twice CAN-SKIP-UNTIL of segments.
        let complete = playlist.segments.filter { $0.uri != nil }
        #expect(complete.reduce(0) { $0 + $1.duration } >= 2 * playlist.canSkipUntil - 1.001)
        #expect(playlist.partHoldBack >= 3 * playlist.partTarget)
        #expect(playlist.canSkipUntil >= 6 * Double(playlist.targetDuration))
        #expect(playlist.preloadHint != nil)
    }

    @Test("playlist text: tags, their order, versions, skip, parts only near the end")
    func playlistText() async throws {
        let (paths, packagers) = setUp()
        _ = try await publishClip(.init(video: .h264, audio: true, seconds: 16, keyframeSeconds: 1), on: paths, name: "lab/text")
        let packager = packagers.lowLatency(for: try #require(paths.path(try PathName("lab/text"))))
        let playlist = try #require(packager.playlist())
        let text = playlist.render()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(5)) == [
            "#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-TARGETDURATION:1",
            "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6.000,PART-HOLD-BACK=0.600",
            "#EXT-X-PART-INF:PART-TARGET=0.200",
        ])
        #expect(lines.contains { $0.hasPrefix("#EXT-X-MAP:URI=") })
        #expect(lines.last?.hasPrefix("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=") == true)
        // Parts are listed only for the last three target durations.
        let firstPart = try #require(lines.firstIndex { $0.hasPrefix("#EXT-X-PART:") })
        let segmentsBefore = lines[..<firstPart].filter { $0.hasPrefix("#EXTINF") }.count
        #expect(segmentsBefore >= 8)
        // The delta update skips what ends more than CAN-SKIP-UNTIL before the end, keeps the map.
        let delta = playlist.render(skip: true)
        #expect(delta.contains("#EXT-X-VERSION:9\n"))
        let skipped = playlist.skippableSegments()
        #expect(skipped > 0)
        #expect(delta.contains("#EXT-X-SKIP:SKIPPED-SEGMENTS=\(skipped)\n"))
        #expect(delta.contains("#EXT-X-MAP:URI="))
        let kept = playlist.segments.dropFirst(skipped).reduce(0.0) { $0 + $1.duration }
        #expect(kept >= playlist.canSkipUntil)
        #expect(delta.components(separatedBy: "#EXTINF").count < text.components(separatedBy: "#EXTINF").count)
        // ?token= rides on every URI.
        let withToken = playlist.render(uriSuffix: "?token=t")
        #expect(withToken.split(separator: "\n").filter { $0.contains("URI=\"") }.allSatisfy { $0.contains("?token=t\"") })
    }

    @Test("init plus parts decode; H.265 is hvc1")
    func decodable() async throws {
        for (video, codec, tag) in [(Clips.Video.h264, "h264", "avc1"), (.hevc, "hevc", "hvc1")] {
            let (paths, packagers) = setUp()
            _ = try await publishClip(.init(video: video, audio: video == .h264, seconds: 4, keyframeSeconds: 1), on: paths, name: "lab/dec")
            let packager = packagers.lowLatency(for: try #require(paths.path(try PathName("lab/dec"))))
            let playlist = try #require(packager.playlist())
            let segment = try #require(playlist.segments.first)
            func fetch(_ name: String) throws -> [UInt8] {
                let resource = try #require(packager.resource(named: name))
                return try #require(packager.data(for: resource))
            }
            var bytes = try fetch(segment.mapURI)
            for part in segment.parts { bytes += try fetch(part.uri) }
            if segment.parts.isEmpty, let uri = segment.uri { bytes += try fetch(uri) }
            let file = Clips.directory.appendingPathComponent("\(UUID().uuidString).mp4")
            try Data(bytes).write(to: file)
            let (status, streams, errors) = try await Subprocess.run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,codec_tag_string", "-of", "csv=p=0", file.path])
            #expect(status == 0, "\(errors)")
            #expect(streams.contains("\(codec),\(tag)"))
            let (decode, _, decodeErrors) = try await Subprocess.run("ffmpeg", ["-v", "error", "-i", file.path, "-f", "null", "-"])
            #expect(decode == 0 && decodeErrors.isEmpty, "\(decodeErrors)")
        }
    }

    @Test("names with negative, signed or padded numbers name nothing (hlsquery fuzzer: a negative part index crashed the gateway)")
    func hostileNames() async throws {
        let (paths, packagers) = setUp()
        _ = try await publishClip(.init(video: .h264, audio: true, seconds: 3, keyframeSeconds: 1), on: paths, name: "lab/names")
        let packager = packagers.lowLatency(for: try #require(paths.path(try PathName("lab/names"))))
        let playlist = try #require(packager.playlist())
        let part = try #require(playlist.segments.first?.parts.first?.uri)
        let instance = String(part.prefix { $0 != "-" })
        #expect(packager.resource(named: part) != nil)
        for name in ["\(instance)-2.-4.m4s", "\(instance)--2.-4.m4s", "\(instance)-0.-1.m4s", "\(instance)--1.m4s", "\(instance)-+0.m4s",
                     "\(instance)-0.+0.m4s", "\(instance)- 0.m4s", "\(instance)-init-1.mp4", "\(instance)-99999999999999999999.m4s"] {
            #expect(packager.resource(named: name) == nil, "\(name)")
        }
        // Even a resource built by hand with a negative index is refused, not a trap.
        let sequence = try #require(playlist.segments.first?.sequence)
        #expect(packager.data(for: .part(sequence, -4)) == nil)
    }

    @Test("a waiter for a future part is answered when it completes; one that never comes times out")
    func waiting() async throws {
        let (paths, packagers) = setUp()
        let session = try await publishClip(.init(video: .h264, audio: true, seconds: 3, keyframeSeconds: 1), on: paths, name: "lab/wait")
        let packager = packagers.lowLatency(for: try #require(paths.path(try PathName("lab/wait"))))
        let playlist = try #require(packager.playlist())
        #expect(await packager.waitFor(sequence: playlist.lastSequence + 5, part: 0, timeout: .milliseconds(100)) == false)
        let next = playlist.lastSequence + 1
        async let answered = packager.waitFor(sequence: next, part: 0, timeout: .seconds(30))
        try await Task.sleep(for: .milliseconds(50))
        #expect(packager.waitingRequests == 1)
        // More media: the next segment's first part completes.
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 3, keyframeSeconds: 1))
        let reader = TransportStreamReader(logger: Logger(label: "test"))
        let bytes = try [UInt8](Data(contentsOf: clip))
        let offset = Int64(3 * 90_000) + 1_000_000
        try bytes.withUnsafeBytes { raw in
            try reader.feed(raw, arrival: MonotonicClock.now()) { event in
                if case .accessUnit(var unit) = event {
                    unit.pts += offset
                    unit.dts += offset
                    session.publish(unit)
                }
            }
        }
        #expect(await answered)
        #expect(packager.waitingRequests == 0)
    }

    @Test("held requests answered early leave no timeout task sleeping behind them")
    func answeredWaitersCancelTheirTimers() async throws {
        let waiters = RequestWaiters<Int>()
        await withTaskGroup(of: Bool.self) { group in
            for target in 0..<500 {
                group.addTask { await waiters.wait(for: target, timeout: .seconds(600)) { _ in false } }
            }
            while waiters.pendingTimers < 500 { try? await Task.sleep(for: .milliseconds(5)) }
            #expect(waiters.count == 500)
            waiters.wake { _ in true }
            for await answered in group { #expect(answered) }
        }
        // Before the fix each answered request left a task asleep for its whole timeout (600 s here).
        for _ in 0..<500 where waiters.pendingTimers > 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(waiters.pendingTimers == 0)
        #expect(waiters.count == 0)
    }

    @Test("the playlist is made once per change and rendered from the cache: the same text for every caller but its token, full and delta")
    func cachedPlaylist() async throws {
        let (paths, packagers) = setUp()
        _ = try await publishClip(.init(video: .h264, audio: true, seconds: 14, keyframeSeconds: 1), on: paths, name: "lab/cache")
        let packager = packagers.lowLatency(for: try #require(paths.path(try PathName("lab/cache"))))
        let first = try #require(packager.playlist())
        let again = try #require(packager.playlist())
        #expect(first.template(skip: false) == again.template(skip: false))
        for skip in [false, true] {
            let fresh = first.template(skip: skip)
            #expect(first.render(skip: skip) == fresh.plain)
            let a = first.render(skip: skip, uriSuffix: "?token=aaa"), b = first.render(skip: skip, uriSuffix: "?token=bbbbbb")
            #expect(a.replacingOccurrences(of: "?token=aaa", with: "?token=bbbbbb") == b)
            #expect(a.replacingOccurrences(of: "?token=aaa", with: "") == fresh.plain)
            // Every URI carries the suffix: part, map, segment and preload-hint URIs.
            for line in a.split(separator: "\n") where line.contains("URI=\"") {
                #expect(line.contains("?token=aaa\""), "\(line)")
            }
            for line in a.split(separator: "\n") where !line.hasPrefix("#") {
                #expect(line.hasSuffix("?token=aaa"), "\(line)")
            }
        }
        #expect(first.render(skip: true).contains("#EXT-X-SKIP:SKIPPED-SEGMENTS="))
    }
}
