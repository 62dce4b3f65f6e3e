import Foundation
import Testing
import TestSupport

/// Issue 21, items 6-8, in a real browser: controls that match the caller's role, confirmation
/// before what cannot be undone, creation that a double click cannot repeat, and refusals and the
/// record said in the chosen language. Headless Chromium over DevTools, one tab per organisation.
@Suite("Console in Chromium: roles, confirmations, errors", .serialized)
struct ConsoleRolesTests {
    static let township = "520602001"
    static let county = "520602"
    static let water = "520600-water"
    static let village = "520602001201"

    func signIn(_ page: Chromium.Page, _ gateway: RunningGateway, token: String) async throws {
        try await ConsoleTests().signIn(page, gateway, token: token)
        _ = try await page.evaluate("document.querySelector('#nav button[data-view=reporting]').click()")
    }

    /// An incident in the township's village with an open session, through the API.
    func openSession(_ township: ReportingClient, grade: String = "IV") async throws -> (incident: String, session: String) {
        let incident = try #require(try await township.must("POST", "/api/v1/incidents", [
            "villageCode": Self.village, "category": "natural_disaster", "grade": grade, "title": "山体滑坡", "report": "道路中断"]).string("id"))
        let session = try #require(try await township.must("POST", "/api/v1/incidents/\(incident)/sessions").string("id"))
        return (incident, session)
    }

    /// Opens `session` in the page's session panel.
    func show(_ page: Chromium.Page, session: String) async throws {
        try await page.waitFor("document.querySelector('#session-list li[data-session=\"\(session)\"] .session-open') !== null")
        _ = try await page.evaluate("document.querySelector('#session-list li[data-session=\"\(session)\"] .session-open').click()")
        try await page.waitFor("!document.getElementById('session-panel').hidden && (document.querySelector('#session-panel p')?.textContent ?? '').startsWith('\(session)')")
    }

    func exists(_ page: Chromium.Page, _ selector: String) async throws -> Bool {
        try await page.evaluate("document.querySelector(\(ConsoleTests.js(selector))) !== null") as? Bool == true
    }

    /// Submits the form that holds control `id`.
    func submit(_ page: Chromium.Page, _ id: String) async throws {
        _ = try await page.evaluate("document.getElementById('\(id)').closest('form').querySelector('button[type=submit]').click()")
    }

    static let hostOnly = ["#act-invite", "#act-grade", "#act-handover", "#act-close", ".feed-focus", ".participant-remove"]

    @Test("item 7: a department invited as observer sees no attach, invite, escalate, report or close; clicking around raises nothing; after a handover the former host loses the host's controls")
    func observerSeesOnlyWhatItMayDo() async throws {
        let gateway = try await RunningGateway.start()
        let townshipToken = try await gateway.organisationToken(Self.township)
        let township = gateway.client(townshipToken)
        let county = gateway.client(try await gateway.organisationToken(Self.county))
        let waterToken = try await gateway.organisationToken(Self.water)
        let (_, session) = try await openSession(township)
        try await township.must("POST", "/api/v1/sessions/\(session)/feeds", ["path": "room/\(Self.village)"])

        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        let host = try await browser.newPage()
        try await signIn(host, gateway, token: townshipToken)
        try await show(host, session: session)

        // The host invites the water department as an observer through the console: the invite
        // form suggests departments and offers the observer role.
        try await host.waitFor("document.querySelector('#org-options option[value=\"\(Self.water)\"]') !== null")
        #expect(try await host.evaluate("document.querySelector('#org-options option[value=\"\(Self.water)\"]').textContent") as? String == "铜仁市水务局")
        #expect(try await host.evaluate("[...document.getElementById('act-role').options].map(o => o.value)") as? [String] == ["participant", "observer"])
        // The grade control shows the current grade and offers only higher ones.
        #expect(try await host.evaluate("document.getElementById('current-grade').dataset.grade") as? String == "IV")
        #expect(try await host.evaluate("[...document.getElementById('act-grade').options].map(o => o.value)") as? [String] == ["III", "II", "I"])
        _ = try await host.evaluate("""
            (() => { document.getElementById('act-invite').value = '\(Self.water)'; document.getElementById('act-role').value = 'observer'; })()
            """)
        try await submit(host, "act-invite")
        try await host.waitFor("document.querySelector('#participants li[data-org=\"\(Self.water)\"][data-state=\"invited\"]') !== null")
        let invited = try await township.must("GET", "/api/v1/sessions/\(session)").objects("participants").first { $0.string("org") == Self.water }
        #expect(invited?.string("role") == "observer")

        // The observer joins from its own console and sees only what it may do.
        let observer = try await browser.newPage()
        try await signIn(observer, gateway, token: waterToken)
        try await observer.waitFor("document.querySelector('#session-list li.invited .session-join') !== null")
        _ = try await observer.evaluate("document.querySelector('#session-list li.invited .session-join').click()")
        try await observer.waitFor("document.getElementById('session-panel').dataset.actions === 'leave'")
        try await observer.waitFor("document.getElementById('act-leave') !== null")
        for selector in Self.hostOnly + ["#act-feed", "#act-report", "#act-file", "#join-session", ".feed-detach"] {
            #expect(try await exists(observer, selector) == false, "the observer sees \(selector)")
        }
        // Clicking every button it is shown (but leave) refuses nothing and throws nothing.
        _ = try await observer.evaluate("""
            [...document.querySelectorAll('#session-panel button, #session-list button')].filter(b => b.id !== 'act-leave').forEach(b => b.click())
            """)
        _ = try await observer.evaluate("document.querySelector('#nav button[data-view=reporting]').click()")
        try await Task.sleep(for: .seconds(1))
        #expect(try await observer.evaluate("document.getElementById('error-banner').hidden") as? Bool == true)
        let refused = try await township.must("GET", "/api/v1/sessions/\(session)/events").objects("events").filter {
            $0.string("kind") == "refused" && $0.string("actor") == Self.water
        }
        #expect(refused.isEmpty, "the observer's console tried something it may not do: \(refused)")
        try await observer.screenshot("console-roles-observer")

        // After a handover the former host keeps no host control; focus goes with command.
        #expect(try await exists(host, ".feed-focus"))
        try await county.must("POST", "/api/v1/sessions/\(session)/join")
        try await host.waitFor("document.querySelector('#handover-options option[value=\"\(Self.county)\"]') !== null")
        // Only who can be removed gets a remove button: the department, not the county with
        // authority over the place; command is offered only to the county, not the department.
        #expect(try await exists(host, "#participants li[data-org=\"\(Self.water)\"] .participant-remove"))
        #expect(try await exists(host, "#participants li[data-org=\"\(Self.county)\"] .participant-remove") == false)
        #expect(try await exists(host, "#handover-options option[value=\"\(Self.water)\"]") == false)
        _ = try await host.evaluate("(() => { document.getElementById('act-to').value = '\(Self.county)'; document.getElementById('act-note').value = '县级接管指挥'; })()")
        try await submit(host, "act-to")
        try await host.waitFor("document.getElementById('confirm-dialog').open")
        _ = try await host.evaluate("document.getElementById('confirm-yes').click()")
        try await host.waitFor("document.getElementById('session-host').title === '\(Self.county)'")
        try await host.waitFor("!document.getElementById('session-panel').dataset.actions.includes('handover')")
        for selector in Self.hostOnly {
            #expect(try await exists(host, selector) == false, "the former host still sees \(selector)")
        }
        #expect(try await exists(host, "#act-leave"))
        #expect(browser.uncaughtErrors.isEmpty, "uncaught errors: \(browser.uncaughtErrors)")
        await gateway.stop()
    }

    @Test("item 8: a double click on 创建 makes one incident (the console sends an Idempotency-Key); a double click on start makes one session")
    func doubleClickCreatesOnce() async throws {
        let gateway = try await RunningGateway.start()
        let townshipToken = try await gateway.organisationToken(Self.township)
        let township = gateway.client(townshipToken)
        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        let page = try await browser.newPage()
        try await signIn(page, gateway, token: townshipToken)
        try await page.waitFor("document.querySelector('#inc-village option[value=\"\(Self.village)\"]') !== null")
        _ = try await page.evaluate("""
            (() => { document.getElementById('inc-village').value = '\(Self.village)';
                     document.getElementById('inc-title').value = '山洪';
                     const b = document.querySelector('#incident-form button[type=submit]');
                     b.click(); b.click();
                     document.getElementById('incident-form').requestSubmit(); })()
            """)
        try await page.waitFor("document.getElementById('start-session') !== null")
        // Let any second request land before counting.
        try await Task.sleep(for: .seconds(1))
        let incidents = try await township.must("GET", "/api/v1/incidents").objects("incidents")
        #expect(incidents.count == 1, "incidents after a double click: \(incidents.compactMap { $0.string("id") })")
        let incidentId = try #require(incidents.first?.string("id"))
        let created = try await gateway.client(gateway.adminToken).must("GET", "/api/v1/incidents/\(incidentId)/events").objects("events")
            .first { $0.string("kind") == "incident.created" }
        let key = (created?["detail"] as? [String: Any])?["idempotencyKey"] as? String
        #expect(key?.count == 32, "the console sent an Idempotency-Key: \(String(describing: key))")

        _ = try await page.evaluate("(() => { const b = document.getElementById('start-session'); b.click(); b.click(); })()")
        try await page.waitFor("document.getElementById('session-panel').dataset.session")
        try await Task.sleep(for: .seconds(1))
        let sessions = try await township.must("GET", "/api/v1/incidents/\(incidentId)")["sessions"] as? [String]
        #expect(sessions?.count == 1, "sessions after a double click: \(sessions ?? [])")
        let shownError = try await page.evaluate("document.getElementById('error-banner').hidden ? '' : document.getElementById('error-text').textContent") as? String
        #expect(shownError == "", "no refusal for the second click: \(shownError ?? "?")")
        #expect(browser.uncaughtErrors.isEmpty, "uncaught errors: \(browser.uncaughtErrors)")
        await gateway.stop()
    }

    @Test("item 8: closing the session and handing over command ask first in an in-page dialog; cancelled, nothing happens")
    func irreversibleActionsAreConfirmed() async throws {
        let gateway = try await RunningGateway.start()
        let townshipToken = try await gateway.organisationToken(Self.township)
        let countyToken = try await gateway.organisationToken(Self.county)
        let township = gateway.client(townshipToken)
        let (_, session) = try await openSession(township)
        try await gateway.client(countyToken).must("POST", "/api/v1/sessions/\(session)/join")
        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        let page = try await browser.newPage()
        try await signIn(page, gateway, token: townshipToken)
        try await show(page, session: session)
        func host() async throws -> String? { try await township.must("GET", "/api/v1/sessions/\(session)").string("host") }

        // Handover: asked, cancelled, nothing changes; asked again, confirmed, command passes.
        try await page.waitFor("document.getElementById('act-to') !== null")
        _ = try await page.evaluate("(() => { document.getElementById('act-to').value = '\(Self.county)'; document.getElementById('act-note').value = '县级接管'; })()")
        try await submit(page, "act-to")
        try await page.waitFor("document.getElementById('confirm-dialog').open")
        let question = try await page.evaluate("document.getElementById('confirm-text').textContent") as? String ?? ""
        #expect(question.contains("碧江区应急指挥中心"), "the question names who takes command: \(question)")
        try await page.screenshot("console-roles-confirm-handover")
        _ = try await page.evaluate("document.getElementById('confirm-no').click()")
        try await page.waitFor("!document.getElementById('confirm-dialog').open")
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await host() == Self.township, "a cancelled handover changed nothing")

        // Close (as the host still): asked, cancelled with Escape's path (cancel), then confirmed.
        _ = try await page.evaluate("document.getElementById('act-close').click()")
        try await page.waitFor("document.getElementById('confirm-dialog').open")
        _ = try await page.evaluate("document.getElementById('confirm-no').click()")
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await township.must("GET", "/api/v1/sessions/\(session)").string("state") == "open")
        _ = try await page.evaluate("document.getElementById('act-close').click()")
        try await page.waitFor("document.getElementById('confirm-dialog').open")
        _ = try await page.evaluate("document.getElementById('confirm-yes').click()")
        try await page.waitFor("document.querySelector('#timeline li[data-kind=\"session.closed\"]') !== null")
        #expect(try await township.must("GET", "/api/v1/sessions/\(session)").string("state") == "closed")
        #expect(browser.uncaughtErrors.isEmpty, "uncaught errors: \(browser.uncaughtErrors)")
        await gateway.stop()
    }

    @Test("item 6: a refused command is said in the chosen language from its code and stays until dismissed; the record reads as sentences with names; the language switch says both again")
    func refusalsAndRecordInTheUsersLanguage() async throws {
        let gateway = try await RunningGateway.start()
        let townshipToken = try await gateway.organisationToken(Self.township)
        let township = gateway.client(townshipToken)
        let (_, session) = try await openSession(township)
        try await gateway.client(try await gateway.organisationToken(Self.county)).must("POST", "/api/v1/sessions/\(session)/join")
        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        let page = try await browser.newPage()
        try await signIn(page, gateway, token: townshipToken)
        try await show(page, session: session)

        // The record as sentences, with the organisation's name for its code.
        let joined = "document.querySelector('#timeline li[data-kind=\"participant.joined\"]')?.textContent ?? ''"
        try await page.waitFor("(\(joined)).includes('碧江区应急指挥中心加入会商')")
        #expect(!(try await page.evaluate(joined) as? String ?? "").contains(Self.county))

        // Someone else raises the grade meanwhile; the console's form is stale and asks for III.
        try await township.must("POST", "/api/v1/sessions/\(session)/escalations", ["grade": "II"])
        _ = try await page.evaluate("""
            (() => { const g = document.getElementById('act-grade'); g.append(new Option('III', 'III')); g.value = 'III';
                     g.closest('form').querySelector('button[type=submit]').click(); })()
            """)
        try await page.waitFor("!document.getElementById('error-banner').hidden")
        #expect(try await page.evaluate("document.getElementById('error-banner').dataset.code") as? String == "grade_not_lowered")
        #expect(try await page.evaluate("document.getElementById('error-text').textContent") as? String == "事件等级只能升高，不能降低。")
        try await page.screenshot("console-roles-error")
        // It stays (the toast it replaces was gone after 4 s) until dismissed.
        try await Task.sleep(for: .seconds(5))
        #expect(try await page.evaluate("document.getElementById('error-banner').hidden") as? Bool == false)
        // The refusal is on the record as a sentence too.
        try await page.waitFor("(document.querySelector('#timeline li[data-kind=\"refused\"]')?.textContent ?? '').includes('等级只能升高')")

        // The language switch says the error, the session and the record again.
        _ = try await page.evaluate("document.getElementById('lang').click()")
        try await page.waitFor("document.getElementById('error-text').textContent === 'A grade can only be raised, never lowered.'")
        try await page.waitFor("(\(joined)).includes('碧江区应急指挥中心 joined')")
        try await page.waitFor("document.querySelector('#session-panel h3')?.textContent === 'Participants'")
        try await page.waitFor("(document.querySelector('#timeline li[data-kind=\"session.escalated\"]')?.textContent ?? '').includes('raised the incident from grade IV to II')")
        _ = try await page.evaluate("document.getElementById('error-dismiss').click()")
        try await page.waitFor("document.getElementById('error-banner').hidden")
        #expect(browser.uncaughtErrors.isEmpty, "uncaught errors: \(browser.uncaughtErrors)")
        await gateway.stop()
    }
}
