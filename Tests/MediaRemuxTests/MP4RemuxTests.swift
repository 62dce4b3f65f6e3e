import Foundation
import Testing
import TestSupport
@testable import MediaRemux

/// Fragmented MP4 recordings made with the real ffmpeg, remuxed, and checked with ffprobe, ffmpeg
/// and the file's own top-level boxes.
@Suite("Remux of a recording span into a plain MP4")
struct MP4RemuxTests {
    /// The inputs, made once per test process: H.264 with B-frames (GOP 2 s, one fragment per GOP)
    /// and AAC, 10 s. `absolute`: decode times from 1000 s, in the fragments' tfdt as FieldRelay's
    /// recordings carry them (frag_discont; without `-avoid_negative_ts disabled` ffmpeg 5.1
    /// moves them back to 0 and `-output_ts_offset` alone changes nothing in the file).
    static let inputs = FragmentedInputs()

    actor FragmentedInputs {
        private var made: [Bool: Task<URL, Error>] = [:]

        func input(absolute: Bool) async throws -> URL {
            if let task = made[absolute] { return try await task.value }
            let task = Task {
                let url = Clips.directory.appendingPathComponent("fragmented-h264-bf2-aac-10s\(absolute ? "-from1000" : "").mp4")
                var arguments = ["-hide_banner", "-loglevel", "error", "-y",
                                 "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine", "-t", "10",
                                 "-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-bf", "2", "-c:a", "aac"]
                var flags = "frag_keyframe+empty_moov+default_base_moof"
                if absolute {
                    arguments += ["-output_ts_offset", "1000", "-avoid_negative_ts", "disabled"]
                    flags += "+frag_discont"
                }
                arguments += ["-movflags", flags, url.path]
                let (status, _, errors) = try await Subprocess.run("ffmpeg", arguments)
                guard status == 0 else { throw TestFailure("ffmpeg could not make the fragmented input: \(errors)") }
                return url
            }
            made[absolute] = task
            return try await task.value
        }
    }

    func temporaryDirectory() throws -> URL {
        let url = Clips.directory.appendingPathComponent("remux-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// ISO BMFF box headers (ISO/IEC 14496-12 4.2): 32-bit size and type, size 1 = a 64-bit size
    /// follows, size 0 = to the end. Returns the boxes in `range` of `data`, stopping at a bad size.
    func boxes(_ data: [UInt8], in range: Range<Int>? = nil) -> [(type: String, range: Range<Int>)] {
        let range = range ?? 0..<data.count
        var found: [(type: String, range: Range<Int>)] = []
        var offset = range.lowerBound
        while offset + 8 <= range.upperBound {
            var size = data[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: data[(offset + 4)..<(offset + 8)], as: UTF8.self)
            if size == 1, offset + 16 <= range.upperBound {
                size = data[(offset + 8)..<(offset + 16)].reduce(0) { $0 << 8 | Int($1) }
            } else if size == 0 {
                size = range.upperBound - offset
            }
            guard size >= 8, size <= range.upperBound - offset else { break }
            found.append((type, offset..<(offset + size)))
            offset += size
        }
        return found
    }

    /// The first track fragment decode time (tfdt) of the first fragment.
    func firstDecodeTime(_ data: [UInt8]) -> UInt64? {
        guard let moof = boxes(data).first(where: { $0.type == "moof" }),
              let traf = boxes(data, in: (moof.range.lowerBound + 8)..<moof.range.upperBound).first(where: { $0.type == "traf" }),
              let tfdt = boxes(data, in: (traf.range.lowerBound + 8)..<traf.range.upperBound).first(where: { $0.type == "tfdt" }) else {
            return nil
        }
        let start = tfdt.range.lowerBound + 12
        let length = data[tfdt.range.lowerBound + 8] == 1 ? 8 : 4
        guard start + length <= tfdt.range.upperBound else { return nil }
        return data[start..<(start + length)].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// ffprobe's view: streams as "type,codec" lines, and the format's start time and duration.
    func probe(_ url: URL) async throws -> (streams: [String], start: Double, duration: Double, packets: Int) {
        let (status, output, errors) = try await Subprocess.run("ffprobe", [
            "-v", "error", "-count_packets", "-show_entries", "stream=codec_type,codec_name,nb_read_packets:format=start_time,duration",
            "-of", "default=nw=1", url.path])
        guard status == 0 else { throw TestFailure("ffprobe \(url.lastPathComponent): \(errors)") }
        var streams: [String] = []
        var start = Double.nan, duration = Double.nan
        var packets = 0
        var codec = ""
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "codec_name": codec = parts[1]
            case "codec_type": streams.append("\(parts[1]),\(codec)")
            case "nb_read_packets": packets += Int(parts[1]) ?? 0
            case "start_time": start = Double(parts[1]) ?? .nan
            case "duration": duration = Double(parts[1]) ?? .nan
            default: break
            }
        }
        return (streams, start, duration, packets)
    }

    /// The time from the earliest packet's presentation to the latest packet's end, by ffprobe.
    /// (ffprobe's format duration of a fragmented MP4 is its end time, 1010 s from 1000 s.)
    func packetSpan(_ url: URL) async throws -> Double {
        let (status, output, errors) = try await Subprocess.run("ffprobe", [
            "-v", "error", "-show_entries", "packet=pts_time,duration_time", "-of", "csv=p=0", url.path])
        guard status == 0 else { throw TestFailure("ffprobe \(url.lastPathComponent): \(errors)") }
        var start = Double.infinity, end = -Double.infinity
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: ",").map { Double($0) }
            guard fields.count == 2, let pts = fields[0] else { continue }
            start = min(start, pts)
            end = max(end, pts + (fields[1] ?? 0))
        }
        return end - start
    }

    /// Checks a remuxed file: same streams, codecs and packets as the input, its duration, starting
    /// at 0, moov before mdat and no fragments, and a decode by ffmpeg without a word of complaint.
    func checkRemux(input: URL, output: URL, summary: MP4RemuxSummary) async throws {
        let before = try await probe(input)
        let after = try await probe(output)
        let duration = try await packetSpan(input)
        #expect(after.streams == before.streams)
        #expect(after.streams == ["video,h264", "audio,aac"])
        #expect(summary.streams == 2)
        #expect(abs(after.duration - duration) < 0.1, "ffprobe: \(after.duration) s, the input's packets span \(duration) s")
        #expect(abs(summary.duration - duration) < 0.1, "summary: \(summary.duration) s, the input's packets span \(duration) s")
        #expect(abs(after.start) < 0.1, "starts at \(after.start) s")
        #expect(summary.packets == after.packets)
        #expect(summary.packets == before.packets)

        let bytes = [UInt8](try Data(contentsOf: output))
        let types = boxes(bytes).map(\.type)
        let moov = try #require(types.firstIndex(of: "moov"), "\(types)")
        let mdat = try #require(types.firstIndex(of: "mdat"), "\(types)")
        #expect(moov < mdat, "\(types)")
        #expect(!types.contains("moof"), "\(types)")
        #expect(bytes != [UInt8](try Data(contentsOf: input)))

        let (status, _, errors) = try await Subprocess.run("ffmpeg", ["-v", "error", "-i", output.path, "-f", "null", "-"])
        #expect(status == 0 && errors.isEmpty, "\(errors)")
    }

    @Test("a whole recording remuxes into a faststart MP4 with every packet", arguments: [false, true])
    func wholeRecording(absolute: Bool) async throws {
        let input = try await Self.inputs.input(absolute: absolute)
        let inputBytes = [UInt8](try Data(contentsOf: input))
        let firstTime = try #require(firstDecodeTime(inputBytes))
        // The absolute case really starts far from 0: 1000 s at the video track's 12800 Hz.
        #expect(absolute ? firstTime >= 1000 * 12800 : firstTime == 0)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("span.mp4")
        let summary = try MP4Remux.remux(input: input.path, output: output.path)
        try await checkRemux(input: input, output: output, summary: summary)
        #expect(abs(summary.duration - 10) < 0.15)
    }

    /// What the export does: the init section and the fragments of a span from the middle of a
    /// recording, concatenated. The clip starts at 0 and lasts as long as the two fragments.
    @Test("fragments from the middle of a recording remux into a clip starting at 0", arguments: [false, true])
    func middleOfARecording(absolute: Bool) async throws {
        let input = try await Self.inputs.input(absolute: absolute)
        let bytes = [UInt8](try Data(contentsOf: input))
        let top = boxes(bytes)
        let initEnd = try #require(top.first(where: { $0.type == "moof" })).range.lowerBound
        let fragments = top.indices.filter { top[$0].type == "moof" }
        #expect(fragments.count == 5)
        // Fragments 3 and 4 (4 s to 8 s): each moof with the mdat after it.
        var span = Array(bytes[0..<initEnd])
        for fragment in fragments[2...3] {
            span += bytes[top[fragment].range]
            span += bytes[top[fragment + 1].range]
        }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spanFile = directory.appendingPathComponent("span-fragments.mp4")
        try Data(span).write(to: spanFile)
        let output = directory.appendingPathComponent("span.mp4")
        let summary = try MP4Remux.remux(input: spanFile.path, output: output.path)
        try await checkRemux(input: spanFile, output: output, summary: summary)
        // Two 2-second GOPs of video; the audio of those fragments may reach a little further.
        let (_, videoDuration, _) = try await Subprocess.run("ffprobe", [
            "-v", "error", "-select_streams", "v", "-show_entries", "stream=duration", "-of", "csv=p=0", output.path])
        #expect(abs((Double(videoDuration.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) - 4) < 0.05, "\(videoDuration)")
    }

    @Test("garbage, empty, missing, init-only and MPEG-TS input throw and leave no output")
    func unusableInput() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var garbage = [UInt8](repeating: 0, count: 200_000)
        var state: UInt32 = 99
        for index in garbage.indices {
            state = state &* 1_664_525 &+ 1_013_904_223
            garbage[index] = UInt8(truncatingIfNeeded: state >> 24)
        }
        let recordingURL = try await Self.inputs.input(absolute: true)
        let recording = [UInt8](try Data(contentsOf: recordingURL))
        let initEnd = try #require(boxes(recording).first(where: { $0.type == "moof" })).range.lowerBound
        // A box header that claims more than the file has, in front of real fragments.
        let lying = [0x7F, 0xFF, 0xFF, 0xFF] + Array("moov".utf8) + Array(recording[initEnd...])
        let cases: [(String, [UInt8]?)] = [
            ("garbage", garbage), ("empty", []), ("missing", nil), ("init-only", Array(recording[0..<initEnd])), ("lying", lying),
            ("transport-stream", [UInt8](try Data(contentsOf: try await Clips.make(.init(seconds: 2))))),
        ]
        for (name, content) in cases {
            let input = directory.appendingPathComponent("\(name).mp4")
            if let content { try Data(content).write(to: input) }
            let output = directory.appendingPathComponent("\(name)-out.mp4")
            let error = try #require(throws: MediaError.self, "\(name)") { try MP4Remux.remux(input: input.path, output: output.path) }
            #expect(error.code == .notMP4, "\(name): \(error)")
            #expect(error.message.contains(input.path), "\(name): \(error)")
            #expect(!FileManager.default.fileExists(atPath: output.path), "\(name)")
        }
        // An existing output is neither overwritten nor removed, even with a good input.
        let existing = directory.appendingPathComponent("existing.mp4")
        try Data("keep".utf8).write(to: existing)
        #expect(throws: MediaError.self) { try MP4Remux.remux(input: recordingURL.path, output: existing.path) }
        #expect(try Data(contentsOf: existing) == Data("keep".utf8))
    }

    @Test("the shift puts the earliest stream's first DTS at 0 and no other below it")
    func shifts() {
        // Video at 12800 Hz from 1000 s; audio at 44100 Hz from 1000 s less a 1024-sample priming
        // frame, so audio is the earliest: it moves by exactly its first DTS, video by the same
        // instant rounded down (12799702.78 ticks), so its first DTS lands at 298, not below 0.
        let video: (num: Int32, den: Int32) = (1, 12800), audio: (num: Int32, den: Int32) = (1, 44100)
        #expect(RemuxSession.shifts(firstDTS: [12_800_000, 44_098_976], timeBases: [video, audio]) == [12_799_702, 44_098_976])
        #expect(RemuxSession.shifts(firstDTS: [-1024, 0], timeBases: [video, audio]) == [-1024, -3528])
        #expect(RemuxSession.shifts(firstDTS: [nil, 5], timeBases: [video, audio]) == [1, 5])
        #expect(RemuxSession.shifts(firstDTS: [nil, nil], timeBases: [video, audio]) == [0, 0])
    }
}
