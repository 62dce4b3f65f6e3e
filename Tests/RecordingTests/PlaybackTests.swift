import Foundation
import Logging
import MediaTypes
import Recording
import RecordingStore
import TestSupport
import Testing

@Suite("Playback: plans across files and gaps, VOD playlists with byte ranges, spans")
struct PlaybackTests {
    let logger = Logger(label: "test.playback")

    /// The lines of `playlist` that start with `tag`.
    func lines(_ playlist: String, _ tag: String) -> [String] {
        playlist.split(separator: "\n").map(String.init).filter { $0.hasPrefix(tag) }
    }

    /// The longest fragment's duration rounded up to whole seconds, from the index's milliseconds.
    func targetDuration(_ fragments: [RecordedFragment]) -> Int64 {
        let longest = fragments.map { LedgerEntry.milliseconds($0.end) - LedgerEntry.milliseconds($0.start) }.max() ?? 0
        return (longest + 999) / 1000
    }

    /// One path recorded twice, a minute apart: two files (two publisher instances), a gap between.
    func recordTwice(_ fixture: RecordingFixture, path: String) async throws -> [RecordedFile] {
        let (tracks, units) = try await RecordingFixture.media(RecordingFixture.sixSeconds)
        await fixture.record(path: path, tracks: tracks, units: units)
        fixture.clock.advance(60)
        await fixture.record(path: path, tracks: tracks, units: units)
        let files = try fixture.files(path)
        try #require(files.count == 2)
        return files
    }

    @Test func singleFilePlaylist() async throws {
        let fixture = try RecordingFixture(clockStart: RecordingFixture.start)
        let (tracks, units) = try await RecordingFixture.media(RecordingFixture.sixSeconds)
        await fixture.record(path: "cam/bc-0001", tracks: tracks, units: units)
        let file = try #require(try fixture.files("cam/bc-0001").first)
        let fragments = try fixture.index.fragments(fileID: file.id)

        let plan = try PlaybackPlan.make(index: fixture.index, directory: fixture.directory, path: "cam/bc-0001",
                                         range: .around(RecordingFixture.start), logger: logger)
        #expect(plan.gaps.isEmpty)
        #expect(plan.fragments.map(\.fragment) == fragments)
        #expect(plan.fragments.allSatisfy { !$0.discontinuity })

        let playlist = try VODPlaylist.render(plan) { "/playback/files/\($0.name)?token=t" }
        let all = playlist.split(separator: "\n").map(String.init)
        #expect(Array(all.prefix(6)) == [
            "#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-PLAYLIST-TYPE:VOD",
            "#EXT-X-TARGETDURATION:\(targetDuration(fragments))",
            "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-INDEPENDENT-SEGMENTS",
        ])
        #expect(all.last == "#EXT-X-ENDLIST")
        #expect(lines(playlist, "#EXT-X-MAP") == ["#EXT-X-MAP:URI=\"/playback/files/\(file.name)?token=t\",BYTERANGE=\"\(file.initLength)@0\""])
        #expect(lines(playlist, "#EXT-X-BYTERANGE") == fragments.map { "#EXT-X-BYTERANGE:\($0.length)@\($0.offset)" })
        #expect(lines(playlist, "#EXTINF").count == fragments.count)
        #expect(lines(playlist, "#EXT-X-PROGRAM-DATE-TIME:") == fragments.map { "#EXT-X-PROGRAM-DATE-TIME:\(RecordingTime.format($0.start))" })
        #expect(lines(playlist, "#EXT-X-DISCONTINUITY").isEmpty)
        // Every EXTINF is the fragment's duration with three decimals, none beyond the target.
        for (line, fragment) in zip(lines(playlist, "#EXTINF:"), fragments) {
            let seconds = try #require(Double(line.dropFirst("#EXTINF:".count).dropLast()))
            #expect(abs(seconds - fragment.duration) < 0.0015)
            #expect(line.split(separator: ".").last?.count == 4, "three decimals and the comma: \(line)")
        }

        // A range inside the recording plays only the fragments it overlaps.
        let middle = fragments[fragments.count / 2]
        let inside = try PlaybackPlan.make(index: fixture.index, directory: fixture.directory, path: "cam/bc-0001",
                                           range: PlaybackRange(from: middle.start.addingTimeInterval(0.1), to: middle.end.addingTimeInterval(-0.1)),
                                           logger: logger)
        #expect(inside.fragments.map(\.fragment) == [middle])

        // Nothing recorded in the range: not found, naming the path.
        let empty = try PlaybackPlan.make(index: fixture.index, directory: fixture.directory, path: "cam/bc-0001",
                                          range: .around(RecordingFixture.start.addingTimeInterval(-86_400)), logger: logger)
        #expect(empty.isEmpty)
        #expect { try VODPlaylist.render(empty) { $0.name } } throws: { error in
            guard let error = error as? RecordingError else { return false }
            return error.code == .notFound && error.message.hasPrefix("nothing recorded for cam/bc-0001 between ")
        }
    }

    @Test func twoFilesWithAGap() async throws {
        let fixture = try RecordingFixture(clockStart: RecordingFixture.start)
        let files = try await recordTwice(fixture, path: "cam/bc-0002")
        let first = try fixture.index.fragments(fileID: files[0].id)
        let second = try fixture.index.fragments(fileID: files[1].id)

        let plan = try PlaybackPlan.make(index: fixture.index, directory: fixture.directory, path: "cam/bc-0002",
                                         range: .around(RecordingFixture.start), logger: logger)
        #expect(plan.fragments.map(\.fragment) == first + second)
        // Exactly one discontinuity: before the second file's first fragment, after the gap.
        #expect(plan.fragments.map(\.discontinuity) == first.map { _ in false } + [true] + second.dropFirst().map { _ in false })
        let gaps = plan.gaps
        try #require(gaps.count == 1)
        #expect(gaps[0].from == first.last!.end && gaps[0].to == second[0].start)
        #expect(gaps[0].to.timeIntervalSince(gaps[0].from) > 50)

        let playlist = try VODPlaylist.render(plan) { $0.name }
        #expect(lines(playlist, "#EXT-X-MAP") == files.map { "#EXT-X-MAP:URI=\"\($0.name)\",BYTERANGE=\"\($0.initLength)@0\"" })
        #expect(lines(playlist, "#EXT-X-DISCONTINUITY").count == 1)
        #expect(lines(playlist, "#EXT-X-BYTERANGE") == (first + second).map { "#EXT-X-BYTERANGE:\($0.length)@\($0.offset)" })
        // The discontinuity comes before the second file's MAP, which comes before its first fragment.
        let all = playlist.split(separator: "\n").map(String.init)
        let discontinuity = try #require(all.firstIndex(of: "#EXT-X-DISCONTINUITY"))
        #expect(all[discontinuity + 1] == "#EXT-X-MAP:URI=\"\(files[1].name)\",BYTERANGE=\"\(files[1].initLength)@0\"")
        #expect(all[discontinuity + 2] == "#EXT-X-PROGRAM-DATE-TIME:\(RecordingTime.format(second[0].start))")
        #expect(lines(playlist, "#EXT-X-TARGETDURATION") == ["#EXT-X-TARGETDURATION:\(targetDuration(first + second))"])
    }

    @Test func missingAndTruncatedFilesBecomeGaps() async throws {
        let fixture = try RecordingFixture(clockStart: RecordingFixture.start)
        let files = try await recordTwice(fixture, path: "cam/bc-0003")
        let first = try fixture.index.fragments(fileID: files[0].id)
        let second = try fixture.index.fragments(fileID: files[1].id)

        // The first file removed by hand, the second cut inside its last fragment.
        try FileManager.default.removeItem(at: fixture.url(of: files[0]))
        let handle = try FileHandle(forWritingTo: fixture.url(of: files[1]))
        try handle.truncate(atOffset: UInt64(second.last!.offset + second.last!.length - 1))
        try handle.close()

        let plan = try PlaybackPlan.make(index: fixture.index, directory: fixture.directory, path: "cam/bc-0003",
                                         range: .around(RecordingFixture.start), logger: logger)
        #expect(plan.fragments.map(\.fragment) == Array(second.dropLast()))
        // The served fragments follow each other; the first is the start of the playlist.
        #expect(plan.fragments.map(\.discontinuity).allSatisfy { !$0 })
        let gaps = plan.gaps
        try #require(gaps.count == 2)
        #expect(gaps[0].from == first[0].start && gaps[0].to == second[0].start)
        #expect(gaps[1].from == second[second.count - 2].end && gaps[1].to == second.last!.end)
        guard case .gap = plan.items.first, case .gap = plan.items.last else {
            Issue.record("the plan starts and ends with a gap: \(plan.items)")
            return
        }

        let playlist = try VODPlaylist.render(plan) { $0.name }
        #expect(lines(playlist, "#EXT-X-MAP") == ["#EXT-X-MAP:URI=\"\(files[1].name)\",BYTERANGE=\"\(files[1].initLength)@0\""])
        #expect(lines(playlist, "#EXT-X-BYTERANGE").count == second.count - 1)

        // Nothing left on disk: not found.
        try FileManager.default.removeItem(at: fixture.url(of: files[1]))
        let everything = try PlaybackPlan.make(index: fixture.index, directory: fixture.directory, path: "cam/bc-0003",
                                               range: .around(RecordingFixture.start), logger: logger)
        #expect(everything.isEmpty)
        #expect(throws: RecordingError.self) { try VODPlaylist.render(everything) { $0.name } }
    }

    @Test func gapInsideAFileIsADiscontinuity() throws {
        // Synthetic index entries (the writer leaves such a hole when it drops fragments): one
        // file whose third second is missing, then a file that follows on at once.
        let fixture = try RecordingFixture(clockStart: RecordingFixture.start)
        let t0 = RecordingFixture.start
        func file(_ start: Date, instance: String) throws -> RecordedFile {
            let name = try RecordingLayout.fileName(path: "cam/bc-0006", start: start, instance: instance)
            let url = fixture.directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(count: 4000).write(to: url)
            return try fixture.index.createFile(path: "cam/bc-0006", name: name, instance: instance, codecs: "avc1.42c01e",
                                                createdAt: start, initLength: 100, initHash: Data(count: 32))
        }
        func fragment(_ file: RecordedFile, _ sequence: Int, seconds: Double) throws {
            try fixture.index.appendFragment(RecordedFragment(
                fileID: file.id, sequence: sequence, offset: 100 + Int64(sequence) * 1000, length: 1000,
                start: file.createdAt.addingTimeInterval(seconds), end: file.createdAt.addingTimeInterval(seconds + 1), hash: Data(count: 32)))
        }
        let a = try file(t0, instance: "a")
        try fragment(a, 0, seconds: 0)
        try fragment(a, 1, seconds: 1)
        try fragment(a, 2, seconds: 3)
        let b = try file(t0.addingTimeInterval(4), instance: "b")
        try fragment(b, 0, seconds: 0)

        let plan = try PlaybackPlan.make(index: fixture.index, directory: fixture.directory, path: "cam/bc-0006",
                                         range: .around(t0), logger: logger)
        #expect(plan.fragments.map(\.discontinuity) == [false, false, true, true])
        #expect(plan.gaps.count == 1)
        #expect(plan.gaps.first.map { $0.from == t0.addingTimeInterval(2) && $0.to == t0.addingTimeInterval(3) } == true)
        let playlist = try VODPlaylist.render(plan) { $0.name }
        #expect(lines(playlist, "#EXT-X-DISCONTINUITY").count == 2)
        // The init section is named again after each discontinuity.
        #expect(lines(playlist, "#EXT-X-MAP").count == 3)
        #expect(lines(playlist, "#EXTINF") == Array(repeating: "#EXTINF:1.000,", count: 4))
        #expect(lines(playlist, "#EXT-X-TARGETDURATION") == ["#EXT-X-TARGETDURATION:1"])

        // Continuous across the two files: one span holding both.
        let listing = try PlaybackPlan.spans(index: fixture.index, path: "cam/bc-0006", from: nil, to: nil)
        #expect(listing.spans.map(\.files) == [[a.name], [a.name, b.name]])
        #expect(listing.spans.map(\.fragments) == [2, 2])
        #expect(listing.gaps == [RecordedSpans.Gap(path: "cam/bc-0006", from: t0.addingTimeInterval(2), to: t0.addingTimeInterval(3))])
    }

    @Test func spansAndGapsAsJSON() async throws {
        let fixture = try RecordingFixture(clockStart: RecordingFixture.start)
        let files = try await recordTwice(fixture, path: "cam/bc-0004")
        let first = try fixture.index.fragments(fileID: files[0].id)
        let second = try fixture.index.fragments(fileID: files[1].id)

        let listing = try PlaybackPlan.spans(index: fixture.index, path: "cam/bc-0004", from: nil, to: nil)
        #expect(listing.spans == [
            RecordedSpans.Span(path: "cam/bc-0004", from: first[0].start, to: first.last!.end, files: [files[0].name], fragments: first.count),
            RecordedSpans.Span(path: "cam/bc-0004", from: second[0].start, to: second.last!.end, files: [files[1].name], fragments: second.count),
        ])
        #expect(listing.gaps == [RecordedSpans.Gap(path: "cam/bc-0004", from: first.last!.end, to: second[0].start)])

        // Only the spans overlapping the range.
        let later = try PlaybackPlan.spans(index: fixture.index, path: "cam/bc-0004", from: second[0].start, to: nil)
        #expect(later.spans.map(\.files) == [[files[1].name]] && later.gaps.isEmpty)

        // RFC 3339 strings whatever the encoder's date strategy, and back.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(listing)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let spans = try #require(object["spans"] as? [[String: Any]])
        #expect(spans[0]["from"] as? String == RecordingTime.format(first[0].start))
        #expect(spans[0]["files"] as? [String] == [files[0].name])
        #expect(spans[0]["path"] as? String == "cam/bc-0004")
        let gaps = try #require(object["gaps"] as? [[String: Any]])
        #expect(gaps[0]["to"] as? String == RecordingTime.format(second[0].start))
        #expect(gaps[0]["path"] as? String == "cam/bc-0004", "each gap says whose it is: an incident's listing holds several feeds")
        #expect(try encoder.encode(JSONDecoder().decode(RecordedSpans.self, from: json)) == json)
        // A listing from before gaps named their path still decodes.
        let older = Data(#"{"spans":[],"gaps":[{"from":"2026-01-01T00:00:00Z","to":"2026-01-01T00:00:05Z"}]}"#.utf8)
        #expect(try JSONDecoder().decode(RecordedSpans.self, from: older).gaps.map(\.path) == [nil])
    }

    /// Video frames ffprobe decodes from `playlist` (it lists the stream once per program too).
    func decodedFrames(_ playlist: URL) async throws -> Int {
        let (status, output, errors) = try await Subprocess.run("ffprobe", [
            "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames",
            "-of", "csv=p=0", playlist.path,
        ])
        #expect(status == 0, "ffprobe: \(errors)")
        return output.split(whereSeparator: \.isNewline).compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.max() ?? 0
    }

    @Test func ffmpegPlaysTheGeneratedPlaylist() async throws {
        let fixture = try RecordingFixture(clockStart: RecordingFixture.start)
        let files = try await recordTwice(fixture, path: "cam/bc-0005")
        let first = try fixture.index.fragments(fileID: files[0].id)
        let second = try fixture.index.fragments(fileID: files[1].id)
        // Beside the recordings, naming each file relative to the playlist.
        func write(_ range: PlaybackRange, to name: String) throws -> URL {
            let plan = try PlaybackPlan.make(index: fixture.index, directory: fixture.directory, path: "cam/bc-0005", range: range, logger: logger)
            let url = fixture.directory.appendingPathComponent(name)
            try VODPlaylist.render(plan) { $0.name }.write(to: url, atomically: true, encoding: .utf8)
            return url
        }

        // One file: every frame recorded (25 fps) is decoded.
        let one = try write(PlaybackRange(from: first[0].start, to: first.last!.end), to: "one.m3u8")
        let recorded = first.reduce(0) { $0 + $1.duration } * 25
        let frames = try await decodedFrames(one)
        #expect(abs(Double(frames) - recorded) <= recorded * 0.02, "ffprobe decoded \(frames) frames of \(recorded / 25) s at 25 fps")

        // Two files and a gap: ffmpeg reads to the end and decodes without an error. (ffmpeg's
        // HLS demuxer ignores EXT-X-DISCONTINUITY and feeds the new init section to the same MP4
        // demuxer, which drops the first fragment after it, its decode times going back (the
        // same clip recorded twice is two publishers):
        // at most one fragment per discontinuity is missing here. hls.js and AVPlayer reset at the
        // discontinuity.)
        let both = try write(.around(RecordingFixture.start), to: "both.m3u8")
        let all = (first + second).reduce(0) { $0 + $1.duration } * 25
        let bothFrames = try await decodedFrames(both)
        let longest = second.map(\.duration).max()! * 25
        #expect(Double(bothFrames) >= all - longest - 2 && Double(bothFrames) <= all * 1.02,
                "ffprobe decoded \(bothFrames) frames of \(all / 25) s at 25 fps")
        let (decoded, _, errors) = try await Subprocess.run("ffmpeg", ["-hide_banner", "-v", "error", "-i", both.path, "-f", "null", "-"])
        #expect(decoded == 0, "ffmpeg: \(errors)")
    }
}

@Suite("Recording files cut by fileMinutes continue one timeline")
struct RotationTests {
    @Test func ffmpegPlaysAcrossARotationWithoutLoss() async throws {
        let fixture = try RecordingFixture(clockStart: RecordingFixture.start)
        let (tracks, units) = try await RecordingFixture.media(Clips.Spec(seconds: 8, keyframeSeconds: 1))
        let keyframes = units.indices.filter { units[$0].isKeyframe && units[$0].track == 0 }
        let cut = keyframes[keyframes.count / 2]
        let recorder = PathRecorder(path: "cam/bc-0006", writer: fixture.writer)
        recorder.handle(.tracks(tracks, discontinuity: false))
        for unit in units[..<cut] { recorder.handle(.accessUnit(unit)) }
        // Ten minutes and more later (the file's length), the same publisher's timeline goes on.
        fixture.clock.advance(11 * 60)
        for unit in units[cut...] { recorder.handle(.accessUnit(unit)) }
        recorder.finish(reason: "test")
        await fixture.writer.drain()

        let files = try fixture.index.files(path: "cam/bc-0006", from: nil, to: nil)
        try #require(files.count == 2, "the file is cut at the first keyframe after recording.fileMinutes")
        // The second file's decode times continue the first's.
        func firstDecodeTime(_ file: RecordedFile) throws -> UInt64 {
            let bytes = try [UInt8](Data(contentsOf: fixture.directory.appendingPathComponent(file.name)))
            let tracks = MP4Boxes.tracks(initSection: Array(bytes[0..<Int(file.initLength)]))
            let found = MP4Boxes.fragments(bytes, from: file.initLength, tracks: tracks)
            return try #require(found.first?.timing[tracks[0].id]?.decodeTime)
        }
        #expect(try firstDecodeTime(files[1]) > firstDecodeTime(files[0]) + 3 * 90_000 / 2)

        let plan = try PlaybackPlan.make(index: fixture.index, directory: fixture.directory, path: "cam/bc-0006",
                                         range: PlaybackRange(from: RecordingFixture.start.addingTimeInterval(-60),
                                                              to: RecordingFixture.start.addingTimeInterval(15 * 60)),
                                         logger: Logger(label: "test"))
        let playlist = fixture.directory.appendingPathComponent("rotation.m3u8")
        try VODPlaylist.render(plan) { $0.name }.write(to: playlist, atomically: true, encoding: .utf8)
        let (status, output, errors) = try await Subprocess.run("ffmpeg", [
            "-hide_banner", "-v", "error", "-i", playlist.path, "-map", "0:v:0", "-f", "framecrc", "-"])
        #expect(status == 0, "ffmpeg: \(errors)")
        let decoded = output.split(separator: "\n").filter { $0.hasPrefix("0,") }.count
        let recorded = units.filter { $0.track == 0 }.count
        #expect(decoded == recorded, "ffmpeg decoded \(decoded) of \(recorded) pictures across the cut")
    }
}
