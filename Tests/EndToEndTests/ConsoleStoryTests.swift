import Foundation
import Testing
import TestSupport

/// The whole story of the issue "The console, fit for duty", through the console alone, one tab per
/// organisation: the township opens an incident and a session, the county is invited and joins,
/// escalation to grade II brings in the city, the water department observes, command is handed
/// to the county, the county's focus shows on every wall, the county closes the session (the
/// department's tile says access ended), and the township files the final report. The test calls
/// the API only to provision (the body camera's key, the organisations' tokens). Screenshots go to
/// `artifacts/`.
@Suite("Console story in Chromium", .serialized)
struct ConsoleStoryTests {
    static let township = "520602001", county = "520602", city = "520600", water = "520600-water"
    static let village = "520602001201", camera = "cam/bc-520602001"

    @Test("township, county, city and water department run an incident to its final report, each in its own tab, no uncaught error")
    func wholeStory() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 120, keyframeSeconds: 1, size: "320x180"))
        let bodyCamera = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.camera))
        defer { bodyCamera.terminate() }
        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        var pages: [String: Chromium.Page] = [:]
        for org in [Self.township, Self.county, Self.city, Self.water] {
            let page = try await browser.newPage()
            try await page.navigate("\(gateway.baseURL)/?token=\(try await gateway.organisationToken(org))#/reporting")
            try await page.waitFor("window.fieldrelay && window.fieldrelay.me && !document.getElementById('view-reporting').hidden")
            pages[org] = page
        }
        let township = try #require(pages[Self.township]), county = try #require(pages[Self.county])
        let city = try #require(pages[Self.city]), water = try #require(pages[Self.water])
        func fill(_ page: Chromium.Page, _ values: [String: String]) async throws {
            let assignments = values.map { "document.getElementById('\($0.key)').value = \(ConsoleTests.js($0.value));" }.joined(separator: " ")
            _ = try await page.evaluate("(() => { \(assignments) })()")
        }
        func submit(_ page: Chromium.Page, _ id: String) async throws {
            _ = try await page.evaluate("document.getElementById('\(id)').closest('form').querySelector('button[type=submit]').click()")
        }
        func confirm(_ page: Chromium.Page) async throws {
            try await page.waitFor("document.getElementById('confirm-dialog').open")
            _ = try await page.evaluate("document.getElementById('confirm-yes').click()")
        }
        func join(_ page: Chromium.Page) async throws {
            try await page.waitFor("document.querySelector('#session-list li.invited .session-join') !== null", timeout: .seconds(20))
            _ = try await page.evaluate("document.querySelector('#session-list li.invited .session-join').click()")
            try await page.waitFor("!document.getElementById('session-panel').hidden && document.getElementById('act-leave') !== null")
        }

        // The township opens the incident and its session, attaches the body camera, invites the county.
        try await township.waitFor("document.querySelector('#inc-village option[value=\"\(Self.village)\"]') !== null")
        try await fill(township, ["inc-village": Self.village, "inc-category": "natural_disaster", "inc-grade": "IV",
                                  "inc-title": "山体滑坡", "inc-report": "滑坡体堵塞道路，两户受威胁"])
        try await submit(township, "inc-title")
        try await township.waitFor("document.getElementById('incident-new-session') !== null")
        _ = try await township.evaluate("document.getElementById('incident-new-session').click()")
        try await township.waitFor("document.getElementById('act-feed') !== null")
        try await fill(township, ["act-feed": Self.camera])
        try await submit(township, "act-feed")
        try await township.waitFor("document.querySelector('#feeds li[data-path=\"\(Self.camera)\"]') !== null")
        try await fill(township, ["act-invite": Self.county])
        try await submit(township, "act-invite")
        try await county.waitFor("(document.querySelector('#session-list li.invited')?.textContent ?? '').includes('山体滑坡')", timeout: .seconds(20))
        try await join(county)

        // Escalation to grade II brings in the city.
        try await township.waitFor("[...document.getElementById('act-grade').options].some(o => o.value === 'II')")
        try await fill(township, ["act-grade": "II"])
        try await submit(township, "act-grade")
        try await township.waitFor("document.querySelector('#timeline li[data-kind=\"session.escalated\"]') !== null")
        try await join(city)

        // The water department, invited as an observer, sees no command.
        try await township.waitFor("document.getElementById('act-invite') !== null")
        try await fill(township, ["act-invite": Self.water, "act-role": "observer"])
        try await submit(township, "act-invite")
        try await join(water)
        for control in ["act-feed", "act-invite", "act-grade", "act-to", "act-close", "act-report"] {
            #expect(try await water.evaluate("document.getElementById('\(control)') === null") as? Bool == true, "the observer sees #\(control)")
        }

        // The township hands command to the county (confirmed); the county focuses the camera.
        try await township.waitFor("document.querySelector('#handover-options option[value=\"\(Self.county)\"]') !== null")
        try await fill(township, ["act-to": Self.county, "act-note": "县级接管指挥"])
        try await submit(township, "act-to")
        try await confirm(township)
        try await county.waitFor("document.getElementById('act-close') !== null", timeout: .seconds(20))
        try await county.waitFor("document.querySelector('#feeds li[data-path=\"\(Self.camera)\"] .feed-focus') !== null")
        _ = try await county.evaluate("document.querySelector('#feeds li[data-path=\"\(Self.camera)\"] .feed-focus').click()")
        // The focus shows on every participant's wall, and plays.
        for (org, page) in pages.sorted(by: { $0.key < $1.key }) {
            // Each hall looks at its own screen: the tab in front (Chromium pauses muted video in
            // background tabs).
            try await page.send("Page.bringToFront")
            _ = try await page.evaluate("document.querySelector('#nav button[data-view=wall]').click()")
            try await page.waitFor("[...document.querySelectorAll('.tile.session-focus.focused')].some(t => t.dataset.path === '\(Self.camera)' && t.dataset.state === 'playing')",
                                   timeout: .seconds(40))
            try await page.screenshot("console-story-wall-\(org)")
        }

        // The county closes the session (confirmed): the department's access ends on its wall;
        // the halls whose jurisdiction holds the camera keep watching.
        _ = try await county.evaluate("document.querySelector('#nav button[data-view=reporting]').click()")
        _ = try await county.evaluate("document.getElementById('act-close').click()")
        try await confirm(county)
        try await water.send("Page.bringToFront")
        try await water.waitFor("document.querySelector('.tile[data-path=\"\(Self.camera)\"]').dataset.state === 'ended'", timeout: .seconds(20))
        try await water.screenshot("console-story-water-ended")
        try await township.send("Page.bringToFront")
        try await township.waitFor("document.querySelector('.tile[data-path=\"\(Self.camera)\"]').dataset.state === 'playing'")

        // The township files the final report from the incident's history: the incident is closed.
        _ = try await township.evaluate("document.querySelector('#nav button[data-view=reporting]').click()")
        try await township.waitFor("document.querySelector('#incident-sessions li[data-state=closed]') !== null", timeout: .seconds(20))
        try await township.waitFor("[...document.querySelectorAll('#incident-stage option')].some(o => o.value === 'final')")
        try await fill(township, ["incident-stage": "final", "incident-report-text": "群众已安全转移，道路抢通"])
        try await submit(township, "incident-report-text")
        try await township.waitFor("document.getElementById('incident-panel').dataset.state === 'closed'")
        // The record reads as sentences, with names.
        let record = try await county.evaluate("[...document.querySelectorAll('#timeline li')].map(li => li.textContent).join('\\n')") as? String ?? ""
        #expect(record.contains("碧江区应急指挥中心") && !record.contains("participant.joined"), "\(record)")
        for (org, page) in pages { try await page.screenshot("console-story-\(org)") }
        #expect(browser.uncaughtErrors.isEmpty, "uncaught errors: \(browser.uncaughtErrors)")
        await gateway.stop()
    }
}
