import Foundation
import Testing
import TestSupport

/// Incidents in the console (issue "The console, fit for duty", item 2): an incident without a
/// session survives a reload, closed sessions stay in the incident's history, a new session can be
/// started for it, and the final report closes it.
@Suite("Console incidents in Chromium", .serialized)
struct ConsoleIncidentTests {
    @Test("an incident survives a reload; its closed session stays in its history; a new session; the final report closes it")
    func incidentHistory() async throws {
        let gateway = try await RunningGateway.start()
        let townshipToken = try await gateway.organisationToken("520602001")
        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        let page = try await browser.newPage()
        try await page.navigate("\(gateway.baseURL)/?token=\(townshipToken)#/reporting")
        try await page.waitFor("window.fieldrelay && window.fieldrelay.me && !document.getElementById('view-reporting').hidden")

        // An incident filed without a session.
        try await page.waitFor("document.querySelector('#inc-village option[value=\"520602001201\"]') !== null")
        _ = try await page.evaluate("""
            (() => { document.getElementById('inc-village').value = '520602001201';
                     document.getElementById('inc-grade').value = 'III';
                     document.getElementById('inc-title').value = '山洪 flash flood at the bridge';
                     document.querySelector('#incident-form button[type=submit]').click(); })()
            """)
        let id = try #require(try await page.waitFor("document.querySelector('#incident-panel:not([hidden])')?.dataset.incident") as? String)
        try await page.waitFor("document.querySelector('#incident-list li[data-incident=\"\(id)\"]') !== null")
        let row = try await page.evaluate("document.querySelector('#incident-list li[data-incident=\"\(id)\"]').textContent") as? String ?? ""
        #expect(row.contains("山洪") && row.contains("III 较大") && row.contains("处置中"), "\(row)")

        // A reload: still listed, and shown again.
        try await page.send("Page.reload")
        try await page.waitFor("document.readyState === 'complete' && window.fieldrelay && window.fieldrelay.me")
        try await page.waitFor("document.querySelector('#incident-list li[data-incident=\"\(id)\"]') !== null")
        try await page.waitFor("document.getElementById('incident-panel').dataset.incident === '\(id)' && !document.getElementById('incident-panel').hidden")

        // A session from the incident; closed (by the host); it stays in the history and opens.
        _ = try await page.evaluate("document.getElementById('incident-new-session').click()")
        let session = try #require(try await page.waitFor("document.querySelector('#incident-sessions li[data-state=open]')?.dataset.session") as? String)
        try await gateway.client(townshipToken).must("POST", "/api/v1/sessions/\(session)/close")
        try await page.waitFor("document.querySelector('#incident-sessions li[data-session=\"\(session)\"][data-state=closed]') !== null", timeout: .seconds(15))
        try await page.waitFor("document.getElementById('incident-new-session') !== null")
        _ = try await page.evaluate("document.querySelector('#incident-sessions li[data-session=\"\(session)\"] .incident-session-open').click()")
        try await page.waitFor("!document.getElementById('session-panel').hidden && document.getElementById('session-panel').textContent.includes('\(session)')")

        // A second session for the same incident.
        _ = try await page.evaluate("document.getElementById('incident-new-session').click()")
        try await page.waitFor("document.querySelectorAll('#incident-sessions li[data-session]').length === 2")

        // The first report (none was filed with the incident), then the final report, which closes
        // the incident; it is listed under 已办结.
        #expect(try await page.evaluate("[...document.querySelectorAll('#incident-stage option')].map(o => o.value).join()") as? String == "first")
        _ = try await page.evaluate("""
            (() => { document.getElementById('incident-report-text').value = 'water over the bridge deck';
                     document.querySelector('#incident-report-form button[type=submit]').click(); })()
            """)
        try await page.waitFor("document.querySelector('#incident-reports li[data-stage=first]') !== null")
        try await page.waitFor("[...document.querySelectorAll('#incident-stage option')].map(o => o.value).join() === 'followup,final'")
        _ = try await page.evaluate("""
            (() => { document.getElementById('incident-stage').value = 'final';
                     document.getElementById('incident-report-text').value = 'all residents safe; road reopened';
                     document.querySelector('#incident-report-form button[type=submit]').click(); })()
            """)
        try await page.waitFor("document.getElementById('incident-panel').dataset.state === 'closed'")
        #expect(try await page.evaluate("document.getElementById('incident-state').textContent") as? String == "已办结")
        #expect(try await page.evaluate("document.getElementById('incident-report-form')") is NSNull)
        _ = try await page.evaluate("(() => { const f = document.getElementById('incident-filter'); f.value = 'closed'; f.dispatchEvent(new Event('change')); })()")
        try await page.waitFor("document.querySelector('#incident-list li[data-incident=\"\(id)\"][data-state=closed]') !== null")
        try await page.screenshot("console-incident-history")
        // In English, the incident is said again.
        _ = try await page.evaluate("document.getElementById('lang').click()")
        try await page.waitFor("document.getElementById('incident-state').textContent === 'closed'")
        page.close()
        await gateway.stop()
    }

    @Test("names instead of codes: the invitation says what, where and how grave; participants, host, feeds and tiles by name, codes on hover")
    func namesInsteadOfCodes() async throws {
        let gateway = try await RunningGateway.start()
        let admin = gateway.client(gateway.adminToken)
        let room = "520602001201"
        let roomName = try #require(try await admin.must("GET", "/api/v1/rooms/\(room)").string("name"))
        let camera = try #require(try await admin.must("GET", "/api/v1/devices/bc-520602001").string("name"))
        let orgs = try await admin.must("GET", "/api/v1/orgs").objects("organisations")
        func orgName(_ id: String) -> String? { orgs.first { $0.string("id") == id }?.string("name") }
        let townshipName = try #require(orgName("520602001")), countyName = try #require(orgName("520602"))
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 60, keyframeSeconds: 1, size: "320x180"))
        let publisher = try gateway.publish(clip, url: try await gateway.provisionedURL("room/\(room)"))
        defer { publisher.terminate() }

        let township = gateway.client(try await gateway.organisationToken("520602001"))
        let incident = try #require(try await township.must("POST", "/api/v1/incidents", [
            "villageCode": room, "category": "natural_disaster", "grade": "II", "title": "山体滑坡", "report": "road blocked"]).string("id"))
        let session = try #require(try await township.must("POST", "/api/v1/incidents/\(incident)/sessions").string("id"))
        try await township.must("POST", "/api/v1/sessions/\(session)/feeds", ["path": "room/\(room)"])
        try await township.must("POST", "/api/v1/sessions/\(session)/feeds", ["path": "cam/bc-520602001"])
        // Grade II invites the county hall by itself.

        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        let county = try await browser.newPage()
        try await county.navigate("\(gateway.baseURL)/?token=\(try await gateway.organisationToken("520602"))#/reporting")
        try await county.waitFor("window.fieldrelay && window.fieldrelay.me && !document.getElementById('view-reporting').hidden")
        // The invitation: title, village, category, grade and host, by name.
        let invitation = try #require(try await county.waitFor("document.querySelector('#session-list li.invited')?.textContent") as? String)
        for expected in ["山体滑坡", "白坡村", "自然灾害", "II 重大", townshipName] {
            #expect(invitation.contains(expected), "the invitation lacks \(expected): \(invitation)")
        }
        _ = try await county.evaluate("document.querySelector('#session-list li.invited .session-join').click()")
        try await county.waitFor("document.querySelector('#participants li[data-org=\"520602\"][data-state=joined]') !== null")
        let participants = try await county.evaluate("[...document.querySelectorAll('#participants li')].map(li => li.textContent + '|' + li.title)") as? [String] ?? []
        #expect(participants.contains { $0.hasPrefix(townshipName) && $0.hasSuffix("|520602001") }, "\(participants)")
        #expect(participants.contains { $0.hasPrefix(countyName) && $0.hasSuffix("|520602") }, "\(participants)")
        #expect(!participants.contains { $0.split(separator: "|")[0].contains("520602") }, "codes shown: \(participants)")
        let feeds = try await county.evaluate("[...document.querySelectorAll('#feeds li span[title]')].map(s => s.textContent + '|' + s.title)") as? [String] ?? []
        #expect(feeds.contains { $0.hasPrefix(roomName) && $0.hasSuffix("|room/\(room)") }, "\(feeds)")
        #expect(feeds.contains { $0.hasPrefix(camera) && $0.hasSuffix("|cam/bc-520602001") }, "\(feeds)")
        // On the wall, the tile is named too.
        _ = try await county.evaluate("document.querySelector('#feeds li[data-path=\"room/\(room)\"] .feed-watch').click()")
        try await county.waitFor("[...document.querySelectorAll('.tile .tile-name')].some(n => n.textContent === \(ConsoleTests.js(roomName)) && n.title === 'room/\(room)')")
        try await county.screenshot("console-names")
        // Presence: the township's console sees the county online and watching the room.
        let townshipPage = try await browser.newPage()
        try await townshipPage.navigate("\(gateway.baseURL)/?token=\(try await gateway.organisationToken("520602001"))#/reporting?session=\(session)")
        try await townshipPage.waitFor("document.querySelector('#participants li[data-org=\"520602\"][data-online=yes] .watching[data-watching=\"room/\(room)\"]') !== null", timeout: .seconds(20))
        let watching = try await townshipPage.evaluate("document.querySelector('#participants li[data-org=\"520602\"] .watching').textContent") as? String ?? ""
        #expect(watching == "正在观看 \(roomName)", "\(watching)")
        // The city hall was invited (grade II) but has no console open: not online.
        #expect(try await townshipPage.evaluate("document.querySelector('#participants li[data-org=\"520600\"]').dataset.online") as? String == "no")
        townshipPage.close()
        county.close()
        await gateway.stop()
    }
}
