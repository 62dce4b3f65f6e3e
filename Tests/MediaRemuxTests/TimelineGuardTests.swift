import Foundation
import Logging
import MediaTypes
import Testing
import TestSupport
@testable import MediaRemux

@Suite("Timeline guard: timestamps that repeat, straggle or jump inside one connection")
struct TimelineGuardTests {
    let second = AccessUnit.clockRate

    @Test("a repeated or slightly older DTS is dropped; the track goes on")
    func staleUnits() {
        var guardian = TimelineGuard(primary: 0)
        #expect(guardian.check(track: 0, dts: 0) == .pass)
        #expect(guardian.check(track: 0, dts: 3600) == .pass)
        #expect(guardian.check(track: 0, dts: 3600) == .drop)          // repeated
        #expect(guardian.check(track: 0, dts: 1800) == .drop)          // older, within a second
        #expect(guardian.check(track: 0, dts: 7200) == .pass)
        #expect(guardian.check(track: 1, dts: 100) == .pass)           // another track has its own clock
        #expect(guardian.check(track: 1, dts: 100) == .drop)
    }

    @Test("a jump back on any track, or forward on the primary one, is a new timeline; the other track's stragglers are dropped")
    func jumps() {
        var guardian = TimelineGuard(primary: 0)
        _ = guardian.check(track: 0, dts: 1000 * second)
        _ = guardian.check(track: 1, dts: 1000 * second + 10)
        // The video clock restarts at 0.
        #expect(guardian.check(track: 0, dts: 0) == .newTimeline)
        #expect(guardian.check(track: 0, dts: 3600) == .pass)
        // Audio interleaved from before the jump: dropped; then audio on the new timeline: passes.
        #expect(guardian.check(track: 1, dts: 1000 * second + 1930) == .drop)
        #expect(guardian.check(track: 1, dts: 20) == .pass)
        #expect(guardian.check(track: 1, dts: 1940) == .pass)
        // Forward by more than 10 s on the primary track: a new timeline too.
        #expect(guardian.check(track: 0, dts: 3600 + 11 * second) == .newTimeline)
    }

    @Test("a forward gap on a secondary track (audio paused) is not a new timeline; a track that stays on the old timeline is followed")
    func secondaryGapsAndOldTimeline() {
        var guardian = TimelineGuard(primary: 0)
        _ = guardian.check(track: 0, dts: 0)
        _ = guardian.check(track: 1, dts: 0)
        #expect(guardian.check(track: 1, dts: 60 * second) == .pass)
        // Video jumps back by 500 s; audio keeps its clock for good.
        _ = guardian.check(track: 0, dts: 500 * second)
        #expect(guardian.check(track: 0, dts: 0) == .newTimeline)
        #expect(guardian.check(track: 1, dts: 60 * second + 1920) == .drop)       // could be a straggler
        #expect(guardian.check(track: 1, dts: 62 * second) == .pass)              // 2 s on: followed
        #expect(guardian.check(track: 1, dts: 62 * second + 1920) == .pass)
    }

    /// The clip with its timestamps moved by `offset` seconds (ffmpeg -output_ts_offset, stream copy).
    func shifted(_ clip: URL, by offset: Double) async throws -> [UInt8] {
        let output = Clips.directory.appendingPathComponent("\(UUID().uuidString)-shift.ts")
        defer { try? FileManager.default.removeItem(at: output) }
        let (status, _, errors) = try await Subprocess.run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-i", clip.path,
                                                                       "-c", "copy", "-output_ts_offset", "\(offset)", "-f", "mpegts", output.path])
        try #require(status == 0, "ffmpeg: \(errors)")
        return try [UInt8](Data(contentsOf: output))
    }

    func increasing(_ units: [AccessUnit]) -> Bool {
        var last: [Int: Int64] = [:]
        for unit in units {
            if let previous = last[unit.track], unit.dts <= previous { return false }
            last[unit.track] = unit.dts
        }
        return true
    }

    @Test("a stream spliced from one whose clock stood at 1,000 s and one starting at 0: tracks published again, every unit after in order")
    func splicedBack() async throws {
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 4, keyframeSeconds: 1))
        let original = try [UInt8](Data(contentsOf: clip))
        let result = try demux(try await shifted(clip, by: 1000) + original)
        #expect(result.tracks.count == 2, "tracks published \(result.tracks.count) times")
        #expect(result.tracks.first == result.tracks.last)
        #expect(result.reader.timelineJumps == 1)
        // Each timeline's units go forward on every track.
        let jump = try #require(result.units.firstIndex { $0.dts < 500 * second })
        #expect(increasing(Array(result.units[..<jump])) && increasing(Array(result.units[jump...])))
        #expect(result.units[jump].track == 0 && result.units[jump].isKeyframe, "the new timeline starts with the video keyframe")
        // Only audio interleaved across the splice may be lost.
        let single = try demux(original)
        #expect(result.units.count >= 2 * single.units.count - 20, "\(result.units.count) units of \(2 * single.units.count)")
    }

    @Test("a splice that steps back half a second: the overlapping units are dropped, no new timeline")
    func splicedOverlap() async throws {
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 4, keyframeSeconds: 1))
        let original = try [UInt8](Data(contentsOf: clip))
        let result = try demux(original + (try await shifted(clip, by: 3.5)))
        #expect(result.tracks.count == 1)
        #expect(result.reader.timelineJumps == 0)
        #expect(result.reader.staleUnitsDropped > 0)
        #expect(increasing(result.units))
    }
}
