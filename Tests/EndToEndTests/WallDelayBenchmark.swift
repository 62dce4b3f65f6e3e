import Foundation
import Testing
import TestSupport

/// The delay a hall sees on its wall (issue "The console, fit for duty", item 11): nine feeds
/// published by ffmpeg over SRT (latency 200 ms) on a signed-in township's 9-tile wall in
/// Chromium, each tile's delay (the picture's PROGRAM-DATE-TIME against the clock, one machine)
/// sampled four times a second. A measurement, not a test: it runs only from
/// `scripts/bench/wall-delay.sh` (FIELDRELAY_WALL_DELAY_SECONDS set), on a quiet machine, and
/// writes its figures as JSON to FIELDRELAY_WALL_DELAY_OUT.
@Suite("Wall delay (benchmark)", .serialized)
struct WallDelayBenchmark {
    static let seconds = ProcessInfo.processInfo.environment["FIELDRELAY_WALL_DELAY_SECONDS"].flatMap(Int.init)
    static let tileCount = ProcessInfo.processInfo.environment["FIELDRELAY_WALL_DELAY_TILES"].flatMap(Int.init) ?? 9

    @Test("nine tiles' delay behind live", .enabled(if: seconds != nil, "a benchmark: run by scripts/bench/wall-delay.sh"))
    func wallDelay() async throws {
        let seconds = try #require(Self.seconds)
        let gateway = try await RunningGateway.start()
        // Longer than the run, so no loop point (a discontinuity) falls inside it.
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: seconds + 60, keyframeSeconds: 2, size: "640x360"))
        let listed = try await gateway.client(gateway.adminToken).must("GET", "/api/v1/rooms?county=520602&limit=500").objects("rooms")
        let paths = listed.compactMap { $0.string("code") }.filter { $0.hasPrefix("520602001") }.sorted().prefix(Self.tileCount).map { "room/\($0)" }
        try #require(paths.count == Self.tileCount)
        var cameras: [Subprocess] = []
        defer { cameras.forEach { $0.terminate() } }
        for path in paths { cameras.append(try gateway.publish(clip, url: try await gateway.provisionedURL(path))) }
        for path in paths { _ = try await gateway.waitForPlaylist(path, file: "ll.m3u8", token: gateway.adminToken) { $0.contains("#EXT-X-PART:") } }

        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        let page = try await browser.newPage()
        let token = try await gateway.organisationToken("520602001")
        let layout = Self.tileCount <= 4 ? 4 : Self.tileCount <= 9 ? 9 : 16
        try await page.navigate("\(gateway.baseURL)/?token=\(token)#/wall?layout=\(layout)&feeds=\(paths.joined(separator: ","))")
        try await page.waitFor("window.fieldrelay && window.fieldrelay.me && !document.getElementById('view-wall').hidden")
        try await page.waitFor("[...document.querySelectorAll('.tile')].slice(0, \(Self.tileCount)).every(t => t.dataset.state === 'playing')", timeout: .seconds(60))
        // Ten seconds to settle at the live edge, then the measured run.
        try await Task.sleep(for: .seconds(10))
        let after = try await Self.sample(page, seconds: seconds, players: "window.fieldrelay.wall.tiles.slice(0, \(Self.tileCount)).map((t) => t.player)")
        var summary: [String: Any] = ["tiles": Self.tileCount, "seconds": seconds, "srtLatencyMs": 200, "size": "640x360", "gopSeconds": 2, "after": after]
        // The same feeds through the console's player as it was before (its source handed in by
        // the script), in a second tab, once the first has stopped: before and after in one run.
        if let before = ProcessInfo.processInfo.environment["FIELDRELAY_WALL_DELAY_BEFORE"] {
            _ = try await page.evaluate("window.fieldrelay.wall.tiles.forEach((t, i) => window.fieldrelay.wall.put(i, null))")
            let source = try String(contentsOfFile: before, encoding: .utf8)
            let old = try await browser.newPage()
            // In front, as the wall was: Chromium pauses muted video in background tabs.
            try await old.send("Page.bringToFront")
            try await old.navigate("\(gateway.baseURL)/console/index.html")
            _ = try await old.evaluate("""
                (async () => {
                  const module = await import(URL.createObjectURL(new Blob([\(ConsoleTests.js(source))], { type: 'text/javascript' })));
                  document.body.replaceChildren();
                  window.players = \(ConsoleTests.js(paths.joined(separator: ","))).split(',').map((path) => {
                    const video = document.createElement('video'); video.muted = true; video.width = 320; document.body.append(video);
                    const player = new module.LowLatencyPlayer(video, `/hls/${path}/index.m3u8`, { token: \(ConsoleTests.js(token)),
                      onState: ({ state }) => { player.state = state; } });
                    player.start(); return player; });
                })()
                """)
            try await old.waitFor("window.players.every((p) => p.state === 'playing' && p.delay != null)", timeout: .seconds(60))
            try await Task.sleep(for: .seconds(10))
            summary["before"] = try await Self.sample(old, seconds: seconds, players: "window.players")
        }
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print("WALL-DELAY \(String(decoding: json, as: UTF8.self))")
        if let out = ProcessInfo.processInfo.environment["FIELDRELAY_WALL_DELAY_OUT"] {
            try json.write(to: URL(fileURLWithPath: out))
        }
        #expect((after["p50"] as? Double)?.isFinite == true)
        page.close()
        await gateway.stop()
    }

    /// Samples the delay of `players` (a JavaScript expression) four times a second for `seconds`.
    static func sample(_ page: Chromium.Page, seconds: Int, players: String) async throws -> [String: Any] {
        let result = try await page.evaluate("""
            new Promise((resolve) => {
              const players = \(players);
              // A restart gives the video a new source: counted from the element, for any player.
              const loads = players.map((p) => { const n = { count: 0 }; p.video.addEventListener('loadstart', () => { n.count += 1; }); return n; });
              const delays = players.map(() => []);
              let samples = 0, notPlaying = 0;
              const timer = setInterval(() => {
                samples += 1;
                players.forEach((p, i) => { if (p.state === 'playing' && p.delay != null) delays[i].push(p.delay); else notPlaying += 1; });
                if (samples >= \(seconds * 4)) {
                  clearInterval(timer);
                  resolve({ samples, notPlaying, delays, restarts: loads.map((n) => n.count) });
                }
              }, 250);
            })
            """) as? [String: Any]
        let delays = try #require(result?["delays"] as? [[Double]])
        let all = delays.flatMap { $0 }.sorted()
        func percentile(_ values: [Double], _ p: Double) -> Double {
            values.isEmpty ? -1 : values[min(values.count - 1, Int((Double(values.count - 1) * p).rounded()))]
        }
        return [
            "samples": result?["samples"] ?? 0, "notPlaying": result?["notPlaying"] ?? 0, "restarts": result?["restarts"] ?? [],
            "p50": percentile(all, 0.5), "p90": percentile(all, 0.9), "p99": percentile(all, 0.99), "max": all.last ?? -1,
            "perTileP50": delays.map { percentile($0.sorted(), 0.5) }, "perTileP99": delays.map { percentile($0.sorted(), 0.99) },
        ]
    }
}
