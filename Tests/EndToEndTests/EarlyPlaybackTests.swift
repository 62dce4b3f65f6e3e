import Foundation
import Testing
import TestSupport

/// Chromium's own HLS player (`<video src=…m3u8>`, no script) opened on a camera that has just gone
/// live: the moment a command hall cares about most. Chromium 156 queues at most the last three
/// segments of a live playlist and fetches them at once; when it starts playing with that queue
/// empty it reloads the playlist expecting a newer segment, and with none yet it fails with
/// DEMUXER_ERROR_COULD_NOT_PARSE ("Segment queue never had any data"). The gateway holds such a
/// first playlist until three target durations are listed (RFC 8216 6.3.3).
@Suite("Chromium's native HLS player on a stream opened early", .serialized)
struct EarlyPlaybackTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var file: String
        var delay: Duration
        var testDescription: String { "\(file) opened \(delay) after the publisher started" }
    }

    @Test("plays from the start, opened 1 s and 4 s after the camera went live", arguments: [
        Case(file: "ts.m3u8", delay: .seconds(1)), Case(file: "ts.m3u8", delay: .seconds(4)),
        Case(file: "index.m3u8", delay: .seconds(1)), Case(file: "index.m3u8", delay: .seconds(4)),
    ])
    func opensEarly(_ scenario: Case) async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 60, keyframeSeconds: 2, size: "640x360"))
        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        let page = try await browser.newPage()
        try await page.navigate("\(gateway.baseURL)/healthz")
        try await page.send("Media.enable")
        let path = "lab/early-\(scenario.file.prefix(2))-\(scenario.delay.components.seconds)"
        let camera = try gateway.publish(clip, streamID: path)
        defer { camera.terminate() }
        try await Task.sleep(for: scenario.delay)
        _ = try await page.evaluate("""
            (() => { const v = document.createElement('video'); v.id = 'v'; v.muted = true; v.autoplay = true;
                     v.src = '/hls/\(path)/\(scenario.file)'; document.body.appendChild(v); return true; })()
            """)
        // Playing: the picture advances past 3 s of media; or the element reports its error.
        let outcome = try await page.waitFor("""
            (() => { const v = document.getElementById('v');
                     if (v.error) return 'error ' + v.error.code + ' ' + v.error.message;
                     return v.currentTime > 3 ? 'playing' : ''; })()
            """, timeout: .seconds(30)) as? String
        var diagnosis = ""
        if outcome != "playing" {
            // The media pipeline's log says why (Media.enable above), with the playlist as it is now.
            try await Task.sleep(for: .seconds(1))
            let playlist = try await HTTPClient.get("\(gateway.baseURL)/hls/\(path)/\(scenario.file)").text
            diagnosis = "\n\(playlist)\n\(page.console.suffix(30).joined(separator: "\n"))"
        }
        #expect(outcome == "playing", "\(scenario.testDescription): \(outcome ?? "nothing")\(diagnosis)")
        await gateway.stop()
    }
}
