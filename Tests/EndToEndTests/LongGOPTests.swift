import Foundation
import Testing
import TestSupport

/// A camera whose keyframes come 2, 2, 4, 2, 6 s apart (a lost keyframe, a "smart codec" stretching
/// its GOP) against a target of 2 s. RFC 8216 4.3.3.1: every EXTINF, rounded to the nearest integer,
/// is at most EXT-X-TARGETDURATION, which never changes; before, the long GOPs made EXTINFs of 4
/// and 6 under a target of 2. And a player joining at any segment decodes from there.
@Suite("Long GOPs: EXTINF within the target, and players join anywhere", .serialized)
struct LongGOPTests {
    static let keyframes = [0, 2, 4, 8, 10, 16, 18, 20]

    /// 22 s of H.264 + AAC with keyframes exactly at `keyframes` (and nowhere else).
    static func clip() async throws -> URL {
        let url = Clips.directory.appendingPathComponent("long-gop-2-2-4-2-6.ts")
        if FileManager.default.fileExists(atPath: url.path) { return url }
        let (status, _, errors) = try await Subprocess.run("ffmpeg", [
            "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", "22", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-g", "1000", "-keyint_min", "1000", "-sc_threshold", "0",
            "-force_key_frames", keyframes.map(String.init).joined(separator: ","),
            "-c:a", "aac", "-b:a", "64k", "-f", "mpegts", url.path + ".tmp"])
        guard status == 0 else { throw TestFailure("ffmpeg: \(errors)") }
        try FileManager.default.moveItem(atPath: url.path + ".tmp", toPath: url.path)
        return url
    }

    struct Entry {
        var uri: String
        var duration: Double
    }

    static func entries(_ playlist: String) -> (target: Int, entries: [Entry]) {
        var target = 0
        var entries: [Entry] = []
        var duration: Double?
        for line in playlist.split(separator: "\n").map(String.init) {
            if line.hasPrefix("#EXT-X-TARGETDURATION:") { target = Int(line.dropFirst(22)) ?? 0 }
            if line.hasPrefix("#EXTINF:") { duration = Double(line.dropFirst(8).prefix { $0 != "," }) }
            if !line.hasPrefix("#"), !line.isEmpty, let seconds = duration {
                entries.append(Entry(uri: line, duration: seconds))
                duration = nil
            }
        }
        return (target, entries)
    }

    @Test("keyframes 2, 2, 4, 2, 6 s apart, target 2: every EXTINF rounds to at most 2 in both playlists; ffmpeg and Chromium join at every segment")
    func longGOPs() async throws {
        let clip = try await Self.clip()
        // The clip's keyframes are where we asked for them.
        let (_, probed, _) = try await Subprocess.run("ffprobe", ["-v", "error", "-select_streams", "v", "-skip_frame", "nokey",
                                                                 "-show_entries", "frame=pts_time", "-of", "csv=p=0", clip.path])
        let keyTimes = probed.split(separator: "\n").compactMap { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: ", "))) }
        #expect(keyTimes.count == Self.keyframes.count)

        let gateway = try await RunningGateway.start { configuration in
            configuration.hls.segmentTargetSeconds = 2
            configuration.hls.windowSegments = 30
        }
        let camera = try gateway.publish(clip, streamID: "lab/longgop")
        _ = await camera.wait(timeout: .seconds(40))
        try await Task.sleep(for: .seconds(1))   // the publisher left: the last segments are closed
        let base = "\(gateway.baseURL)/hls/lab/longgop"

        for file in ["ts.m3u8", "ll.m3u8"] {
            let text = try await HTTPClient.get("\(base)/\(file)").text
            let (target, entries) = Self.entries(text)
            #expect(target == 2, "\(file): \(text)")
            #expect(entries.count >= 10, "\(file): \(entries.count) segments")
            for entry in entries {
                #expect(Int(entry.duration.rounded()) <= target, "\(file): \(entry.uri) EXTINF \(entry.duration) over \(target)")
            }
        }
        #expect(try await gateway.metric("fieldrelay_hls_oversized_segments_total") == 0)

        // Every classic segment, downloaded, behind a playlist that starts at it.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("longgop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let classic = Self.entries(try await HTTPClient.get("\(base)/ts.m3u8").text).entries
        for entry in classic {
            try await HTTPClient.get("\(base)/\(entry.uri)").body.write(to: directory.appendingPathComponent(entry.uri))
        }
        func playlist(from start: Int) throws -> String {
            var text = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:\(start)\n#EXT-X-PLAYLIST-TYPE:VOD\n"
            for entry in classic[start...] { text += "#EXTINF:\(String(format: "%.3f", entry.duration)),\n\(entry.uri)\n" }
            text += "#EXT-X-ENDLIST\n"
            let name = "from-\(start).m3u8"
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
            return name
        }

        // ffmpeg joining at each segment decodes to the end: every picture from the first keyframe at
        // or after the join. A segment cut inside a GOP starts with pictures that need the previous
        // one; the decoder skips those (and may say so), nothing else.
        var start = 0.0
        var starts: [Double] = []
        for entry in classic { starts.append(start); start += entry.duration }
        let total = start
        for index in classic.indices {
            let name = try playlist(from: index)
            let (status, frames, errors) = try await Subprocess.run("ffmpeg", [
                "-hide_banner", "-v", "error", "-allowed_extensions", "ALL", "-i", directory.appendingPathComponent(name).path,
                "-map", "0:v:0", "-f", "framecrc", "-"])
            #expect(status == 0, "joining at segment \(index): \(errors)")
            let decoded = frames.split(separator: "\n").filter { !$0.hasPrefix("#") }.count
            let firstKey = keyTimes.map { $0 - keyTimes[0] }.first { $0 >= starts[index] - 0.01 } ?? total
            let expected = Int(((total - firstKey) * 25).rounded())
            #expect(decoded >= expected - 2, "joining at segment \(index) (at \(starts[index]) s): \(decoded) pictures, \(expected) expected")
            let startsOnKeyframe = keyTimes.contains { abs($0 - keyTimes[0] - starts[index]) < 0.01 }
            if startsOnKeyframe { #expect(errors.isEmpty, "segment \(index) starts on a keyframe, yet: \(errors)") }
        }

        // Chromium's own player joining at each segment plays.
        let server = try Subprocess("/usr/bin/python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", directory.path])
        defer { server.terminate() }
        var port: Int?
        for _ in 0..<100 where port == nil {
            try await Task.sleep(for: .milliseconds(50))
            port = server.standardOutput.split(separator: " ").firstIndex(of: "port").flatMap { index in
                Int(server.standardOutput.split(separator: " ")[index + 1].prefix { $0.isNumber })
            }
        }
        let staticBase = "http://127.0.0.1:\(try #require(port, "http.server did not start"))"
        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        let page = try await browser.newPage()
        try await page.navigate("\(staticBase)/")
        for index in classic.indices where starts[index] < total - 2 {
            let name = try playlist(from: index)
            _ = try await page.evaluate("""
                (() => { document.getElementById('v')?.remove(); const v = document.createElement('video'); v.id = 'v'; v.muted = true;
                         v.autoplay = true; v.src = '/\(name)'; document.body.appendChild(v); return true; })()
                """)
            let outcome = try await page.waitFor("""
                (() => { const v = document.getElementById('v'); if (v.error) return 'error ' + v.error.message;
                         return v.currentTime > 1 || v.ended ? 'playing' : ''; })()
                """, timeout: .seconds(20)) as? String
            #expect(outcome == "playing", "Chromium joining at segment \(index): \(outcome ?? "-")")
        }
        await gateway.stop()
    }
}
