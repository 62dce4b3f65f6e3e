import Foundation
import Recording
import Testing
import TestSupport

/// The console's recordings timeline (issue 14, item 5) in headless Chromium. A body camera
/// (recorded always) attached to an incident's session publishes, stops and publishes again, so
/// its recording has two spans and a gap; the county hall opens the incident: the spans and the
/// gap are drawn where the API says, a click on the track plays from that moment (the VOD
/// playlist asked from it, the video advancing), the range is marked as evidence, and the legal
/// hold is placed and released, each confirmed through the API. The township sees the switch
/// disabled with the reason, and the same recordings on the session's view.
@Suite("Console recordings timeline in Chromium", .serialized)
struct ConsoleTimelineTests {
    static let camera = "cam/bc-520602001", township = "520602001", county = "520602"
    static let row = "#recordings-incident .rec-row[data-path=\"\(camera)\"]"
    static let video = "document.querySelector('#recordings-incident .rec-video')"

    /// A gateway whose recording of the camera has a gap, the incident and session it is attached
    /// to, and the recorded spans as the API lists them.
    struct Scene {
        let gateway: RunningGateway
        let incident: String
        let session: String
        let townshipToken: String
        let countyToken: String
        let spans: [(from: Date, to: Date)]
    }

    static func recordWithGap() async throws -> Scene {
        let gateway = try await RunningGateway.start()
        let admin = gateway.client(gateway.adminToken)
        func recorded() async throws -> Bool {
            (try await admin.must("GET", "/api/v1/recordings/status")["recording"] as? [String: [String]])?[camera] != nil
        }
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 60, keyframeSeconds: 1, size: "320x180"))
        let url = try await gateway.provisionedURL(camera)
        let first = try gateway.publish(clip, url: url)
        defer { first.terminate() }
        let townshipToken = try await gateway.organisationToken(township)
        let countyToken = try await gateway.organisationToken(county)
        let hall = gateway.client(townshipToken)
        let incident = try #require(try await hall.must("POST", "/api/v1/incidents", [
            "villageCode": "520602001201", "category": "natural_disaster", "grade": "III", "title": "山体滑坡", "report": "滑坡体堵塞道路"]).string("id"))
        let session = try #require(try await hall.must("POST", "/api/v1/incidents/\(incident)/sessions").string("id"))
        try await waitFor("the camera recorded") { try await recorded() }
        try await hall.must("POST", "/api/v1/sessions/\(session)/feeds", ["path": camera])
        try await Task.sleep(for: .seconds(7))
        // The camera drops for a few seconds and comes back: a new publisher, a gap in the recording.
        // (ffmpeg goes on sending for a few seconds after SIGTERM: the gap starts when it has gone.)
        first.terminate()
        _ = await first.wait(timeout: .seconds(10))
        try await Task.sleep(for: .seconds(3))
        let second = try gateway.publish(clip, url: url)
        defer { second.terminate() }
        func listed() async throws -> [(from: Date, to: Date)] {
            try await hall.must("GET", "/api/v1/recordings?incident=\(incident)").objects("spans").compactMap { span in
                guard let from = span.string("from").flatMap(RecordingTime.parse), let to = span.string("to").flatMap(RecordingTime.parse) else { return nil }
                return (from, to)
            }
        }
        var spans: [(from: Date, to: Date)] = []
        do {
            try await waitFor("a second span of 4 s", timeout: .seconds(30)) {
                spans = try await listed()
                return spans.count == 2 && spans[1].to.timeIntervalSince(spans[1].from) >= 4
            }
        } catch {
            throw TestFailure("\(error); listed \(spans); second publisher: \(second.standardError.suffix(300))")
        }
        second.terminate()
        // The last fragments written, the listing holds still: the timeline stays as measured.
        spans = try await listed()
        try await waitFor("the listing to settle") {
            try await Task.sleep(for: .seconds(1))
            let now = try await listed()
            defer { spans = now }
            return now.count == 2 && now.map(\.to) == spans.map(\.to)
        }
        return Scene(gateway: gateway, incident: incident, session: session, townshipToken: townshipToken, countyToken: countyToken, spans: spans)
    }

    /// Opens the incident in `org`'s console and waits for its recordings to be drawn.
    static func open(_ browser: Chromium, _ scene: Scene, token: String, route: String) async throws -> Chromium.Page {
        let page = try await browser.newPage()
        try await page.send("Media.enable")
        try await page.navigate("\(scene.gateway.baseURL)/?token=\(token)#/reporting?\(route)")
        try await page.waitFor("document.querySelector('#recordings-incident')?.dataset.state === 'ready'", timeout: .seconds(20))
        return page
    }

    /// A real click (the browser's own mouse events) on the camera's track at `time`.
    static func click(_ page: Chromium.Page, at time: Date) async throws {
        let point = try await page.evaluate("""
            (() => { const track = document.querySelector('\(row) .rec-track');
                     track.scrollIntoView({ block: 'center' });
                     const ticks = document.querySelectorAll('#recordings-incident .rec-ticks time');
                     const from = Date.parse(ticks[0].dateTime), to = Date.parse(ticks[ticks.length - 1].dateTime);
                     const box = track.getBoundingClientRect();
                     return [box.left + (\(Int64(time.timeIntervalSince1970 * 1000)) - from) / (to - from) * box.width, box.top + box.height / 2]; })()
            """) as? [Double] ?? []
        try #require(point.count == 2)
        try await page.send("Input.dispatchMouseEvent", ["type": "mouseMoved", "x": point[0], "y": point[1]])
        for type in ["mousePressed", "mouseReleased"] {
            try await page.send("Input.dispatchMouseEvent", ["type": type, "x": point[0], "y": point[1], "button": "left", "clickCount": 1])
        }
    }

    /// Answers the panel's note form (opened by the button just clicked).
    static func note(_ page: Chromium.Page, _ text: String, for purpose: String) async throws {
        try await page.waitFor("(() => { const f = document.querySelector('#recordings-incident .rec-note'); return !f.hidden && f.dataset.for === '\(purpose)'; })()")
        _ = try await page.evaluate("""
            (() => { const f = document.querySelector('#recordings-incident .rec-note');
                     f.querySelector('input').value = \(ConsoleTests.js(text)); f.querySelector('.rec-note-ok').click(); })()
            """)
    }

    @Test("spans and the gap shown, playback from a clicked moment, evidence marked, the legal hold switched on and off")
    func timeline() async throws {
        let scene = try await Self.recordWithGap()
        let gateway = scene.gateway
        let county = gateway.client(scene.countyToken)
        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        let page = try await Self.open(browser, scene, token: scene.countyToken, route: "incident=\(scene.incident)")

        // Two spans and the gap between them, where the API puts them, the gap drawn differently.
        try await page.waitFor("document.querySelectorAll('\(Self.row) .rec-span').length === 2 && document.querySelectorAll('\(Self.row) .rec-gap').length === 1")
        let bars = try await page.evaluate("[...document.querySelectorAll('\(Self.row) .rec-span')].map(s => [s.dataset.from, s.dataset.to])") as? [[String]] ?? []
        #expect(bars.map { $0.compactMap(RecordingTime.parse) } == scene.spans.map { [$0.from, $0.to] }, "\(bars) vs \(scene.spans)")
        let gap = try await page.evaluate("""
            (() => { const g = document.querySelector('\(Self.row) .rec-gap'), s = document.querySelector('\(Self.row) .rec-span');
                     return [g.dataset.from, g.dataset.to, String(g.getBoundingClientRect().width), getComputedStyle(g).backgroundImage, getComputedStyle(s).backgroundImage]; })()
            """) as? [String] ?? []
        try #require(gap.count == 5)
        #expect(RecordingTime.parse(gap[0]) == scene.spans[0].to && RecordingTime.parse(gap[1]) == scene.spans[1].from, "\(gap)")
        #expect((Double(gap[2]) ?? 0) >= 2 && gap[3] != gap[4], "the gap is visible and unlike a span: \(gap)")

        // A click three seconds into the first span plays from there: the playlist is asked from
        // that moment, and the video advances.
        let chosen = scene.spans[0].from.addingTimeInterval(min(3, scene.spans[0].to.timeIntervalSince(scene.spans[0].from) / 2))
        try await Self.click(page, at: chosen)
        let source = try #require(try await page.waitFor("\(Self.video).currentSrc") as? String)
        let from = URLComponents(string: source)?.queryItems?.first { $0.name == "from" }?.value ?? ""
        let asked = try #require(RecordingTime.parse(from), "the playlist asked: \(source)")
        #expect(abs(asked.timeIntervalSince(chosen)) < 1, "asked from \(asked), chosen \(chosen)")
        try await page.waitFor("\(Self.video).dataset.state === 'playing' && \(Self.video).currentTime > 0", timeout: .seconds(20))
        let started = try #require(try await page.evaluate("\(Self.video).currentTime") as? Double)
        try await page.waitFor("\(Self.video).currentTime > \(started + 1)", timeout: .seconds(15))
        let shown = try await page.evaluate("\(Self.video).dataset.wallTime") as? String ?? ""
        let wall = try #require(RecordingTime.parse(shown), "the time shown: \(shown)")
        #expect(wall.timeIntervalSince(chosen) > -1 && wall.timeIntervalSince(chosen) < 15, "playing \(wall), chosen \(chosen): it started where clicked")
        try await page.screenshot("console-timeline-playing")

        // The range selected by the click (to the span's end) marked as evidence, with a note.
        _ = try await page.evaluate("document.querySelector('#recordings-incident .rec-evidence').click()")
        try await Self.note(page, "滑坡发生时的画面", for: "recNoteEvidence")
        try await page.waitFor("document.querySelector('#recordings-incident .rec-marked') !== null")
        let marks = try await gateway.client(gateway.adminToken).must("GET", "/api/v1/recordings/evidence").objects("marks")
        let mark = try #require(marks.first { $0.string("path") == Self.camera }, "\(marks)")
        #expect(mark.string("note") == "滑坡发生时的画面" && mark.string("markedBy") == Self.county)
        #expect(mark.string("from").flatMap(RecordingTime.parse).map { abs($0.timeIntervalSince(chosen)) < 1 } == true, "\(mark)")
        #expect(mark.string("to").flatMap(RecordingTime.parse) == scene.spans[0].to, "\(mark)")

        // The county places the legal hold (with a note in the page) and releases it (confirmed).
        let hold = "document.querySelector('#recordings-incident .rec-hold')"
        try await page.waitFor("\(hold) && !\(hold).disabled && \(hold).getAttribute('aria-checked') === 'false'")
        _ = try await page.evaluate("\(hold).click()")
        try await Self.note(page, "县法院调取 2026-117", for: "recNoteHold")
        try await page.waitFor("\(hold).getAttribute('aria-checked') === 'true'")
        let placed = try await county.must("GET", "/api/v1/incidents/\(scene.incident)/hold")
        #expect(placed["held"] as? Bool == true && (placed["hold"] as? [String: Any])?.string("note") == "县法院调取 2026-117", "\(placed)")
        _ = try await page.evaluate("\(hold).click()")
        try await page.waitFor("document.getElementById('confirm-dialog').open")
        _ = try await page.evaluate("document.getElementById('confirm-yes').click()")
        try await page.waitFor("\(hold).getAttribute('aria-checked') === 'false'")
        #expect(try await county.must("GET", "/api/v1/incidents/\(scene.incident)/hold")["held"] as? Bool == false)
        try await page.screenshot("console-timeline-county")

        // The township: the same recordings on the incident and on the session; the switch is
        // there, disabled, with the reason; in English too.
        let township = try await Self.open(browser, scene, token: scene.townshipToken, route: "incident=\(scene.incident)&session=\(scene.session)")
        try await township.waitFor("document.querySelectorAll('\(Self.row) .rec-span').length === 2")
        try await township.waitFor("document.querySelectorAll('#recordings-session .rec-row[data-path=\"\(Self.camera)\"] .rec-span').length === 2")
        try await township.waitFor("document.querySelector('#recordings-incident .rec-hold')?.disabled === true")
        let reason = try await township.evaluate("document.querySelector('#recordings-incident .rec-hold-reason')?.textContent") as? String ?? ""
        #expect(reason.contains("县") && reason.contains("法律保全"), "\(reason)")
        _ = try await township.evaluate("document.getElementById('lang').click()")
        try await township.waitFor("document.querySelector('#recordings-incident h3 span').textContent === 'Recordings' && document.querySelector('#recordings-incident .rec-hold-reason').textContent.includes('legal hold')")
        try await township.screenshot("console-timeline-township")
        #expect(browser.uncaughtErrors.isEmpty, "uncaught errors: \(browser.uncaughtErrors)")
        await gateway.stop()
    }

    @Test("a selected range exports: progress shows, then a link that downloads the ZIP")
    func export() async throws {
        let scene = try await Self.recordWithGap()
        let gateway = scene.gateway
        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        let page = try await Self.open(browser, scene, token: scene.countyToken, route: "incident=\(scene.incident)")
        try await page.waitFor("document.querySelectorAll('\(Self.row) .rec-span').length === 2")
        // A click selects from there to the span's end; export it.
        try await Self.click(page, at: scene.spans[1].from.addingTimeInterval(1))
        try await page.waitFor("document.querySelector('#recordings-incident .rec-export')?.disabled === false")
        _ = try await page.evaluate("document.querySelector('#recordings-incident .rec-export').click()")
        try await Self.note(page, "移交县法院", for: "recNoteExport")
        try await page.waitFor("document.querySelector('#recordings-incident .rec-export-job progress') !== null")
        let state = try await page.evaluate("document.querySelector('#recordings-incident .rec-export-job').dataset.state") as? String
        #expect(["queued", "running", "done"].contains(state ?? ""), "\(state ?? "none")")
        let href = try #require(try await page.waitFor("document.querySelector('#recordings-incident .rec-download')?.getAttribute('href')", timeout: .seconds(60)) as? String)
        #expect(try await page.evaluate("document.querySelector('#recordings-incident .rec-export-job progress').value") as? Double == 1)
        let download = try await HTTPClient.get(gateway.baseURL + href)
        #expect(download.status == 200 && download.body.prefix(2) == Data("PK".utf8), "\(download.status) \(download.text.prefix(200))")
        #expect(download.header("Content-Disposition")?.contains("attachment") == true)
        // Asked from the incident: its record has the export's events.
        let events = try await gateway.client(gateway.adminToken).must("GET", "/api/v1/incidents/\(scene.incident)/events").objects("events")
        #expect(events.contains { $0.string("kind") == "export.requested" } && events.contains { $0.string("kind") == "export.downloaded" })
        #expect(browser.uncaughtErrors.isEmpty, "uncaught errors: \(browser.uncaughtErrors)")
        await gateway.stop()
    }
}
