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
        page.close()
        await gateway.stop()
    }
}
