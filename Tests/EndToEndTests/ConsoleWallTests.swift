import Foundation
import Testing
import TestSupport

/// The video wall as a hall uses it (issue "The console, fit for duty", items 1 and 3): feeds of a
/// signed-in organisation (whose playlists carry viewer tokens) on tiles that must not restart,
/// and tiles that say what happened when a camera drops or access ends.
@Suite("Console wall in Chromium", .serialized)
struct ConsoleWallTests {
    static let township = "520602001"

    /// `count` village rooms of the township, from the registry (the admin's view).
    func rooms(_ gateway: RunningGateway, count: Int) async throws -> [String] {
        let listed = try await gateway.client(gateway.adminToken).must("GET", "/api/v1/rooms?county=520602&limit=500").objects("rooms")
        let codes = listed.compactMap { $0.string("code") }.filter { $0.hasPrefix(Self.township) }.sorted()
        try #require(codes.count >= count, "the demo registry has \(codes.count) rooms in \(Self.township)")
        return Array(codes.prefix(count))
    }

    func signIn(_ page: Chromium.Page, _ gateway: RunningGateway, token: String) async throws {
        try await page.navigate("\(gateway.baseURL)/?token=\(token)")
        try await page.waitFor("window.fieldrelay && window.fieldrelay.me && document.getElementById('signin').hidden")
    }

    /// Puts `path` into tile `index` through the wall's own controls.
    func put(_ page: Chromium.Page, _ path: String, tile index: Int) async throws {
        try await page.waitFor("[...document.getElementById('wall-source').options].some(o => o.dataset.path === '\(path)')", timeout: .seconds(30))
        _ = try await page.evaluate("""
            (() => { const s = document.getElementById('wall-source');
                     s.value = [...s.options].find(o => o.dataset.path === '\(path)').value;
                     const t = document.getElementById('wall-tile'); t.value = '\(index)'; t.dispatchEvent(new Event('change'));
                     document.querySelector('#wall-controls button[type=submit]').click(); })()
            """)
    }

    /// Counts, in the page, every time a tile's video starts loading a new source (a player
    /// restart replaces its MediaSource), independently of what the player reports.
    static let countLoads = """
        (() => { window.loads = window.loads || new Map();
                 for (const v of document.querySelectorAll('.tile video')) {
                   if (v.dataset.counted) continue; v.dataset.counted = '1';
                   v.addEventListener('loadstart', () => window.loads.set(v, (window.loads.get(v) || 0) + 1)); } })()
        """

    @Test("five feeds on a township's wall for 60 s: no tile restarts, every tile shows 播放中 in at least 99 % of 250 ms samples")
    func wallDoesNotFlap() async throws {
        let gateway = try await RunningGateway.start()
        // Longer than the test: no loop point while the tiles are sampled.
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 120, keyframeSeconds: 1, size: "320x180"))
        let paths = try await rooms(gateway, count: 5).map { "room/\($0)" }
        var cameras: [Subprocess] = []
        defer { cameras.forEach { $0.terminate() } }
        for path in paths { cameras.append(try gateway.publish(clip, url: try await gateway.provisionedURL(path))) }
        for path in paths {
            _ = try await gateway.waitForPlaylist(path, file: "ll.m3u8", token: gateway.adminToken) { $0.contains("#EXT-X-PART:") }
        }
        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        let page = try await browser.newPage()
        try await signIn(page, gateway, token: try await gateway.organisationToken(Self.township))
        _ = try await page.evaluate("document.querySelector('#nav button[data-view=wall]').click()")
        _ = try await page.evaluate("(() => { const l = document.getElementById('wall-layout'); l.value = '9'; l.dispatchEvent(new Event('change')); })()")
        try await page.waitFor("document.querySelectorAll('.tile').length === 9")
        _ = try await page.evaluate(Self.countLoads)
        for (index, path) in paths.enumerated() { try await put(page, path, tile: index) }
        for index in paths.indices {
            try await page.waitFor("document.querySelector('.tile[data-index=\"\(index)\"] video').readyState >= 3", timeout: .seconds(40))
        }
        // Settled: every tile playing. Then sample for 60 s in the page, four times a second.
        try await page.waitFor("[...document.querySelectorAll('.tile')].slice(0, 5).every(t => t.querySelector('.tile-status').textContent.startsWith('播放中'))",
                               timeout: .seconds(20))
        let result = try await page.evaluate("""
            new Promise((resolve) => {
              const tiles = [...document.querySelectorAll('.tile')].slice(0, 5);
              const videos = tiles.map((t) => t.querySelector('video'));
              const loadsBefore = videos.map((v) => window.loads.get(v) || 0);
              const playing = tiles.map(() => 0), frozen = tiles.map(() => 0);
              let last = videos.map((v) => v.currentTime), samples = 0;
              const timer = setInterval(() => {
                samples += 1;
                tiles.forEach((t, i) => {
                  if (t.querySelector('.tile-status').textContent.startsWith('播放中')) playing[i] += 1;
                  if (videos[i].currentTime === last[i]) frozen[i] += 1;
                  last[i] = videos[i].currentTime;
                });
                if (samples === 240) {
                  clearInterval(timer);
                  resolve({ samples, playing, frozen, restarts: videos.map((v, i) => (window.loads.get(v) || 0) - loadsBefore[i]),
                            reported: tiles.map((t) => Number(t.dataset.restarts ?? -1)) });
                }
              }, 250);
            })
            """) as? [String: Any]
        try await page.screenshot("console-wall-five")
        let samples = try #require(result?["samples"] as? Int)
        let playing = try #require(result?["playing"] as? [Int])
        let frozen = try #require(result?["frozen"] as? [Int])
        let restarts = try #require(result?["restarts"] as? [Int])
        for index in paths.indices {
            #expect(restarts[index] == 0, "tile \(index + 1) (\(paths[index])) restarted \(restarts[index]) times in 60 s")
            #expect(Double(playing[index]) >= 0.99 * Double(samples),
                    "tile \(index + 1) showed 播放中 in \(playing[index]) of \(samples) samples")
            // The status comes from what plays: a tile that says 播放中 moves.
            #expect(frozen[index] <= samples - playing[index] + 2, "tile \(index + 1) froze in \(frozen[index]) samples")
        }
        page.close()
        await gateway.stop()
    }

    @Test("a camera that drops: the tile says 信号中断 with since when and the last frame, and plays again when the camera returns")
    func cameraDrop() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 60, keyframeSeconds: 1, size: "320x180"))
        let path = "room/\(try await rooms(gateway, count: 1)[0])"
        let url = try await gateway.provisionedURL(path)
        var camera = try gateway.publish(clip, url: url)
        _ = try await gateway.waitForPlaylist(path, file: "ll.m3u8", token: gateway.adminToken) { $0.contains("#EXT-X-PART:") }
        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        let page = try await browser.newPage()
        try await signIn(page, gateway, token: try await gateway.organisationToken(Self.township))
        _ = try await page.evaluate("document.querySelector('#nav button[data-view=wall]').click()")
        try await put(page, path, tile: 0)
        let tile = "document.querySelector('.tile[data-index=\"0\"]')"
        try await page.waitFor("\(tile).dataset.state === 'playing'", timeout: .seconds(40))

        // Fallen 3 s behind (as after a stall): the player catches up instead of drifting.
        try await page.waitFor("(() => { const v = \(tile).querySelector('video'); return v.currentTime - v.buffered.start(0) > 3.2; })()", timeout: .seconds(20))
        let behind = try await page.evaluate("(() => { const v = \(tile).querySelector('video'); v.currentTime -= 3; return v.buffered.end(v.buffered.length - 1) - v.currentTime; })()") as? Double ?? 0
        #expect(behind > 2.5, "the test did not put the tile behind: \(behind) s of buffer ahead")
        try await page.waitFor("Number(\(tile).dataset.delay) < 1.5 && \(tile).dataset.state === 'playing'", timeout: .seconds(10))

        camera.killNow() // gone without a goodbye, as a camera losing its link
        let status = try await page.waitFor("\(tile).dataset.state === 'lost' && \(tile).querySelector('.tile-status').textContent", timeout: .seconds(30)) as? String ?? ""
        #expect(status.hasPrefix("信号中断") && status.contains("自 ") && status.contains("最后画面 "), "\(status)")
        #expect(try await page.evaluate("getComputedStyle(\(tile).querySelector('video')).filter") as? String != "none")
        try await page.screenshot("console-wall-lost")
        // The picture no longer moves, and the tile keeps saying so: within 20 s, three seconds in
        // a row of 信号中断 over a still picture (the last frames still in flight at the drop may
        // arrive with the connection's end and be shown first).
        let settled = try await page.evaluate("""
            new Promise((resolve) => { let still = 0, last = null, n = 0; const id = setInterval(() => {
              const tile = \(tile), now = tile.querySelector('video').currentTime;
              still = tile.dataset.state === 'lost' && now === last ? still + 1 : 0; last = now; n += 1;
              if (still >= 12 || n > 80) { clearInterval(id); resolve(still >= 12); } }, 250); })
            """) as? Bool
        #expect(settled == true, "the tile never stayed at 信号中断 over a still picture for 3 s")
        camera = try gateway.publish(clip, url: url)
        defer { camera.terminate() }
        try await page.waitFor("\(tile).dataset.state === 'playing'", timeout: .seconds(40))
        page.close()
        await gateway.stop()
    }

    @Test("a session closes while a department watches its feed: the tile says 访问已结束 and stops asking")
    func accessEnds() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 60, keyframeSeconds: 1, size: "320x180"))
        let room = try await rooms(gateway, count: 1)[0]
        let path = "room/\(room)"
        let camera = try gateway.publish(clip, url: try await gateway.provisionedURL(path))
        defer { camera.terminate() }
        _ = try await gateway.waitForPlaylist(path, file: "ll.m3u8", token: gateway.adminToken) { $0.contains("#EXT-X-PART:") }
        // The township runs a session carrying the room; a department is invited and joins.
        let township = gateway.client(try await gateway.organisationToken(Self.township))
        let departmentToken = try await gateway.organisationToken("520600-fire")
        let incident = try #require(try await township.must("POST", "/api/v1/incidents", [
            "villageCode": room, "category": "natural_disaster", "grade": "IV", "title": "Flood", "report": "river over the bank"]).string("id"))
        let session = try #require(try await township.must("POST", "/api/v1/incidents/\(incident)/sessions").string("id"))
        try await township.must("POST", "/api/v1/sessions/\(session)/feeds", ["path": path])
        try await township.must("POST", "/api/v1/sessions/\(session)/invitations", ["org": "520600-fire", "role": "observer"])
        try await gateway.client(departmentToken).must("POST", "/api/v1/sessions/\(session)/join")

        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        let page = try await browser.newPage()
        try await signIn(page, gateway, token: departmentToken)
        _ = try await page.evaluate("performance.setResourceTimingBufferSize(100000)")
        _ = try await page.evaluate("document.querySelector('#nav button[data-view=wall]').click()")
        try await put(page, path, tile: 0)
        let tile = "document.querySelector('.tile[data-index=\"0\"]')"
        try await page.waitFor("\(tile).dataset.state === 'playing'", timeout: .seconds(40))

        try await township.must("POST", "/api/v1/sessions/\(session)/close")
        let status = try await page.waitFor("\(tile).dataset.state === 'ended' && \(tile).querySelector('.tile-status').textContent", timeout: .seconds(20)) as? String ?? ""
        #expect(status.hasPrefix("访问已结束"), "\(status)")
        try await page.screenshot("console-wall-ended")
        // Refused once, not asked again: no playlist request in the next five seconds.
        let countRequests = "performance.getEntriesByType('resource').filter(e => e.name.includes('/hls/\(path)/')).length"
        let before = try await page.evaluate(countRequests) as? Int
        try await Task.sleep(for: .seconds(5))
        #expect(try await page.evaluate(countRequests) as? Int == before)
        page.close()
        await gateway.stop()
    }

    @Test("the wall lives in the address: a bookmark opens it, a reload restores it, 上墙观看 stays where it is, and a session's focus shows on the wall")
    func wallInTheAddress() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 120, keyframeSeconds: 1, size: "320x180"))
        let codes = try await rooms(gateway, count: 4)
        let paths = codes.map { "room/\($0)" }
        var cameras: [Subprocess] = []
        defer { cameras.forEach { $0.terminate() } }
        for path in paths { cameras.append(try gateway.publish(clip, url: try await gateway.provisionedURL(path))) }
        for path in paths { _ = try await gateway.waitForPlaylist(path, file: "ll.m3u8", token: gateway.adminToken) { $0.contains("#EXT-X-PART:") } }
        let townshipToken = try await gateway.organisationToken(Self.township)
        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        let page = try await browser.newPage()
        func tile(_ index: Int) -> String { "document.querySelector('.tile[data-index=\"\(index)\"]')" }
        func playing(_ indices: [Int]) async throws {
            for index in indices { try await page.waitFor("\(tile(index)).dataset.state === 'playing'", timeout: .seconds(40)) }
        }

        // A bookmarked wall: nine tiles, two feeds with an empty tile between them.
        try await page.navigate("\(gateway.baseURL)/?token=\(townshipToken)#/wall?layout=9&feeds=\(paths[0]),,\(paths[1])")
        try await page.waitFor("window.fieldrelay && window.fieldrelay.me && !document.getElementById('view-wall').hidden")
        try await page.waitFor("document.querySelectorAll('.tile').length === 9")
        #expect(try await page.evaluate("\(tile(1)).dataset.path ?? ''") as? String == "")
        // The whole wall in English on the switch, empty tiles included.
        _ = try await page.evaluate("document.getElementById('lang').click()")
        try await page.waitFor("\(tile(1)).querySelector('.tile-name').textContent === '2 · Empty' && \(tile(0)).querySelector('.tile-status').textContent.startsWith('playing')")
        _ = try await page.evaluate("document.getElementById('lang').click()")
        try await playing([0, 2])
        #expect(try await page.evaluate("\(tile(2)).dataset.path") as? String == paths[1])

        // A third feed through the wall's controls, then a reload: the same wall comes back.
        try await put(page, paths[2], tile: 4)
        try await page.waitFor("location.hash.includes('feeds=\(paths[0]),,\(paths[1]),,\(paths[2])')")
        try await page.send("Page.reload")
        try await page.waitFor("document.readyState === 'complete' && window.fieldrelay && window.fieldrelay.me && !document.getElementById('view-wall').hidden")
        try await page.waitFor("document.querySelectorAll('.tile').length === 9")
        try await playing([0, 2, 4])
        #expect(try await page.evaluate("\(tile(4)).dataset.path") as? String == paths[2])

        // The township's session carries the fourth room; 上墙观看 in the session panel puts it on the
        // wall without leaving the panel.
        let township = gateway.client(townshipToken)
        let incident = try #require(try await township.must("POST", "/api/v1/incidents", [
            "villageCode": codes[3], "category": "natural_disaster", "grade": "IV", "title": "Flood", "report": "river over the bank"]).string("id"))
        let session = try #require(try await township.must("POST", "/api/v1/incidents/\(incident)/sessions").string("id"))
        try await township.must("POST", "/api/v1/sessions/\(session)/feeds", ["path": paths[3]])
        _ = try await page.evaluate("document.querySelector('#nav button[data-view=reporting]').click()")
        try await page.waitFor("document.querySelector('#session-list li[data-session=\"\(session)\"] .session-open') !== null")
        _ = try await page.evaluate("document.querySelector('#session-list li[data-session=\"\(session)\"] .session-open').click()")
        try await page.waitFor("document.querySelector('#feeds li[data-path=\"\(paths[3])\"] .feed-watch') !== null")
        #expect(try await page.evaluate("location.hash.startsWith('#/reporting') && location.hash.includes('session=\(session)')") as? Bool == true)
        _ = try await page.evaluate("document.querySelector('#feeds li[data-path=\"\(paths[3])\"] .feed-watch').click()")
        try await page.waitFor("[...document.querySelectorAll('.tile')].some(t => t.dataset.path === '\(paths[3])')")
        #expect(try await page.evaluate("document.getElementById('view-wall').hidden && !document.getElementById('view-reporting').hidden") as? Bool == true)

        // The session's focus (set by the host) shows on the wall.
        try await township.must("POST", "/api/v1/sessions/\(session)/focus", ["path": paths[3]])
        try await page.waitFor("[...document.querySelectorAll('.tile.session-focus.focused')].some(t => t.dataset.path === '\(paths[3])')", timeout: .seconds(10))
        // A reload keeps the session panel open.
        try await page.send("Page.reload")
        try await page.waitFor("document.readyState === 'complete' && !document.getElementById('view-reporting').hidden && document.querySelector('#feeds li[data-path=\"\(paths[3])\"]') !== null")
        _ = try await page.evaluate("document.querySelector('#nav button[data-view=wall]').click()")
        try await page.screenshot("console-wall-address")
        page.close()
        await gateway.stop()
    }

    @Test("times carry the date when not today; grades show their names and customary colours in both languages")
    func timesAndGrades() async throws {
        let gateway = try await RunningGateway.start()
        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        let page = try await browser.newPage()
        try await signIn(page, gateway, token: try await gateway.organisationToken(Self.township))
        // Today 16:00 against tomorrow 09:00 (a final report due tomorrow must not read as earlier).
        let formatted = try await page.evaluate("""
            import('/console/api.js').then(({ formatTime }) => {
              const now = new Date(2026, 11, 7, 15, 0, 0);
              return [formatTime(new Date(2026, 11, 7, 16, 0, 0), now), formatTime(new Date(2026, 11, 8, 9, 0, 0), now),
                      formatTime(new Date(2025, 11, 31, 9, 0, 0), now), formatTime('not a date', now)];
            })
            """) as? [String]
        let times = try #require(formatted)
        #expect(times[0] == "16:00:00", "\(times)")
        #expect(times[1].hasSuffix("09:00:00") && times[1].count > "09:00:00".count && times[1].contains("12") && times[1].contains("08"), "\(times)")
        #expect(times[2].contains("2025"), "\(times)")
        #expect(times[3] == "")
        _ = try await page.evaluate("document.querySelector('#nav button[data-view=reporting]').click()")
        let options = try await page.evaluate("[...document.querySelectorAll('#inc-grade option')].map(o => o.textContent)") as? [String]
        #expect(options == ["IV 一般", "III 较大", "II 重大", "I 特别重大"])
        let colours = try await page.evaluate("""
            import('/console/api.js').then(({ gradeBadge }) => ['IV', 'III', 'II', 'I'].map((g) => {
              const b = gradeBadge(g, (k) => k); document.body.append(b); const c = getComputedStyle(b).backgroundColor; b.remove(); return c; }))
            """) as? [String]
        #expect(colours == ["rgb(31, 111, 235)", "rgb(242, 204, 12)", "rgb(240, 136, 62)", "rgb(229, 83, 75)"], "\(colours ?? [])")
        _ = try await page.evaluate("document.getElementById('lang').click()")
        #expect(try await page.evaluate("document.querySelector('#inc-grade option[value=I]').textContent") as? String == "I especially serious")
        page.close()
        await gateway.stop()
    }
}
