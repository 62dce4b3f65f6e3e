import Foundation
import Testing
import TestSupport

/// Maps for organisations (issue "The console, fit for duty", item 5): each caller's map shows
/// the rooms of its jurisdiction from the registry's coordinates, an incident shows its place and
/// the rooms near it, and a configured tile server is the only other thing the console asks.
@Suite("Console maps in Chromium", .serialized)
struct ConsoleMapTests {
    static let drawn = """
        (id) => { const c = document.getElementById(id); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] !== 13 || d[i + 1] !== 20 || d[i + 2] !== 27) n++; return n; }
        """

    func signIn(_ page: Chromium.Page, _ gateway: RunningGateway, token: String, hash: String = "") async throws {
        try await page.navigate("\(gateway.baseURL)/?token=\(token)\(hash)")
        try await page.waitFor("window.fieldrelay && window.fieldrelay.me && document.getElementById('signin').hidden")
    }

    @Test("a township's, a county's and a department's map; an incident's place and nearby rooms; tiles only from the configured server")
    func maps() async throws {
        let gateway = try await RunningGateway.start { $0.console.mapTilesUrl = "/console/tiles/{z}/{x}/{y}.png" }
        let admin = gateway.client(gateway.adminToken)
        func roomCount(_ query: String) async throws -> Int {
            var total = 0, cursor: String? = nil
            repeat {
                let page = try await admin.must("GET", "/api/v1/rooms?\(query)&limit=500" + (cursor.map { "&cursor=\($0)" } ?? ""))
                total += page.objects("rooms").count
                cursor = page.string("nextCursor")
            } while cursor != nil
            return total
        }
        let townshipRooms = try await roomCount("township=520602001")
        let countyRooms = try await roomCount("county=520602")
        try #require(townshipRooms > 0 && countyRooms > townshipRooms)

        let browser = try await Chromium.launch()
        defer { browser.terminate() }
        // The township: its own rooms on its map, drawn, with tiles asked of the configured server.
        let township = try await browser.newPage()
        try await signIn(township, gateway, token: try await gateway.organisationToken("520602001"))
        try await township.waitFor("document.getElementById('map').dataset.points === '\(townshipRooms)'")
        try await township.waitFor("(\(Self.drawn))('map') > 200")
        let tileRequests = try await township.evaluate("performance.getEntriesByType('resource').filter(e => e.name.includes('/console/tiles/')).length") as? Int ?? 0
        #expect(tileRequests > 0)
        let foreign = try await township.evaluate("performance.getEntriesByType('resource').map(e => new URL(e.name).origin).filter(o => o !== location.origin)") as? [String]
        #expect(foreign == [], "the console asked another server: \(foreign ?? [])")
        try await township.screenshot("console-map-township")

        // A room picked on the map opens its detail with live figures, for an organisation too.
        _ = try await township.evaluate("""
            (() => { const c = document.getElementById('map'); const r = c.getBoundingClientRect();
                     c.dispatchEvent(new MouseEvent('click', { clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true })); })()
            """)
        try await township.waitFor("document.querySelectorAll('#room-detail svg.spark').length === 3")

        // An incident in one of its villages: the place and the rooms near it, nearest first.
        _ = try await township.evaluate("document.querySelector('#nav button[data-view=reporting]').click()")
        try await township.waitFor("document.querySelector('#inc-village option[value=\"520602001201\"]') !== null")
        _ = try await township.evaluate("""
            (() => { document.getElementById('inc-village').value = '520602001201';
                     document.getElementById('inc-title').value = 'landslide';
                     document.querySelector('#incident-form button[type=submit]').click(); })()
            """)
        try await township.waitFor("document.querySelectorAll('#incident-nearby li').length > 1", timeout: .seconds(30))
        #expect(try await township.evaluate("document.querySelector('#incident-nearby li').dataset.code") as? String == "520602001201")
        try await township.waitFor("(\(Self.drawn))('incident-map') > 100")
        try await township.screenshot("console-map-incident")

        // The county: its whole county.
        let county = try await browser.newPage()
        try await signIn(county, gateway, token: try await gateway.organisationToken("520602"))
        try await county.waitFor("document.getElementById('map').dataset.points === '\(countyRooms)'", timeout: .seconds(30))
        // A department has no rooms of its own: the map says so.
        let department = try await browser.newPage()
        try await signIn(department, gateway, token: try await gateway.organisationToken("520600-fire"))
        try await department.waitFor("document.getElementById('map').dataset.points === '0' && !document.getElementById('map-note').hidden")
        township.close(); county.close(); department.close()
        await gateway.stop()
    }
}
