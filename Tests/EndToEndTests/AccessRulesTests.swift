import Foundation
import Testing
import TestSupport

/// Issue 8, item 6: the security review of the access rules as one table. Every route the
/// gateway serves (REST, console, HLS playlists, segments, parts, init sections, SRT read) against
/// every kind of caller, on one real gateway with a real camera (ffmpeg over SRT) and a real
/// joint-reporting session taken through its phases: the department before the session includes
/// it, invited, joined, and after the session closes.
///
/// The expected outcome of every cell is written out in `AccessRules.table` below, derived from
/// DESIGN.md, DOMAIN.md ("Who may see what") and docs/architecture.md ("HTTP statuses"):
/// 401 without a token or with an expired viewer token; 403 for a forged, revoked or unknown token,
/// a viewer token used to act, the admin acting, or a refusal by the rules; 404 for what the
/// caller may not know exists; 409 for a transition the session's state refuses.
/// Every cell that differs is reported with its route, caller, expected and observed outcome.
///
/// `FIELDRELAY_ACCESS_TABLE=<file>` writes the observed table as Markdown (for docs/reliability.md).
@Suite("Security review: every route against every kind of caller", .serialized)
struct AccessRulesTests {
    @Test("the route × caller table holds, cell by cell")
    func table() async throws {
        let fixture = try await AccessFixture.start()
        var observed: [String: [AccessCaller: AccessOutcome]] = [:]
        var failures: [String] = []
        var cells = 0
        let rows = AccessRules.table
        #expect(Set(rows.map(\.route)).count == rows.count, "route names are unique")
        for row in rows { #expect(row.expected.count == AccessCaller.allCases.count, "\(row.route): one outcome per caller") }

        func check(_ callers: [AccessCaller], where keep: (AccessRules.Row) -> Bool = { _ in true }) async throws {
            for row in rows where keep(row) {
                for caller in callers {
                    let expected = row.expected[caller.column]
                    guard expected != .notApplicable else { continue }
                    let got: AccessOutcome
                    do {
                        got = try await fixture.probe(row.route, as: caller)
                    } catch {
                        got = .failed("\(error)")
                    }
                    cells += 1
                    observed[row.route, default: [:]][caller] = got
                    if !got.satisfies(expected) {
                        failures.append("\(row.route) | \(caller.title) | expected \(expected) | got \(got)")
                    }
                }
            }
        }

        // The shared session hosted by the township carries the live room; the department (water)
        // goes through the phases; everyone else is checked while it has joined.
        try await fixture.openSharedSession()
        try await check([.departmentBefore])
        try await fixture.inviteDepartment()
        try await check([.departmentInvited])
        try await fixture.joinDepartment()
        try await check(AccessCaller.allCases.filter { $0.phase == nil } + [.departmentDuring])
        // A department's SRT reader connected during the session must be cut off by the close.
        let lingering = try await fixture.startDepartmentReader()
        try await fixture.closeSharedSession()
        try await check([.departmentAfter, .departmentAfterViewerURL], where: { $0.route != AccessRules.lingeringReader })
        let cut = await fixture.readerWasCut(lingering)
        observed[AccessRules.lingeringReader, default: [:]][.departmentAfter] = cut
        cells += 1
        if let row = rows.first(where: { $0.route == AccessRules.lingeringReader }),
           !cut.satisfies(row.expected[AccessCaller.departmentAfter.column]) {
            failures.append("\(row.route) | \(AccessCaller.departmentAfter.title) | expected \(row.expected[AccessCaller.departmentAfter.column]) | got \(cut)")
        }

        if let file = ProcessInfo.processInfo.environment["FIELDRELAY_ACCESS_TABLE"] {
            try AccessRules.markdown(rows: rows, observed: observed).write(toFile: file, atomically: true, encoding: .utf8)
        }
        let report = failures.joined(separator: "\n")
        #expect(failures.isEmpty, "\(failures.count) of \(cells) cells differ from the table:\n\(report)")
        #expect(cells > 500, "the table was actually run: \(cells) cells")
        await fixture.stop()
    }
}

// MARK: - Callers

/// The kinds of caller, one column each. The department is one organisation (520600-water) at
/// four moments of the shared session.
enum AccessCaller: String, CaseIterable, Sendable, Hashable {
    case none, forged, expired, revoked, admin, city, ownCounty, otherCounty, township
    case departmentBefore, departmentInvited, departmentDuring, departmentAfter, departmentAfterViewerURL

    var column: Int { Self.allCases.firstIndex(of: self)! }

    var title: String {
        switch self {
        case .none: "none"
        case .forged: "forged"
        case .expired: "expired"
        case .revoked: "revoked"
        case .admin: "admin"
        case .city: "city"
        case .ownCounty: "own county"
        case .otherCounty: "other county"
        case .township: "township"
        case .departmentBefore: "dept before"
        case .departmentInvited: "dept invited"
        case .departmentDuring: "dept during"
        case .departmentAfter: "dept after"
        case .departmentAfterViewerURL: "dept after, viewer URL"
        }
    }

    /// The state of the department in a session made for this caller (nil: not in it).
    var phase: DepartmentPhase? {
        switch self {
        case .departmentBefore: .before
        case .departmentInvited: .invited
        case .departmentDuring: .joined
        case .departmentAfter, .departmentAfterViewerURL: .closed
        default: nil
        }
    }
}

enum DepartmentPhase: Sendable { case before, invited, joined, closed }

// MARK: - Outcomes

enum AccessOutcome: Equatable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// An HTTP status.
    case status(Int)
    /// 200, and the list names the fixture's item (the live room, the township, the incident or session).
    case sees
    /// 200, and the list does not name it.
    case blind
    /// SRT: media arrived.
    case reads
    /// SRT: refused in the listen callback with this access-control code.
    case rejected(Int)
    /// SRT: no media, refused inside libsrt's handshake (a wrong key), no callback code.
    case refused
    /// SRT: a reader connected earlier was disconnected (`kept`: it still receives media).
    case cut, kept
    /// The cell does not exist for this caller (SRT read keys neither expire nor are viewer tokens).
    case notApplicable
    /// The probe itself failed.
    case failed(String)

    init(integerLiteral value: Int) { self = .status(value) }

    func satisfies(_ expected: AccessOutcome) -> Bool { self == expected }

    var description: String {
        switch self {
        case .status(let code): "\(code)"
        case .sees: "200 sees"
        case .blind: "200 blind"
        case .reads: "reads"
        case .rejected(let code): "rej \(code)"
        case .refused: "refused"
        case .cut: "cut"
        case .kept: "kept"
        case .notApplicable: "-"
        case .failed(let why): "error: \(why.prefix(200))"
        }
    }
}

// MARK: - The table

enum AccessRules {
    struct Row: Sendable {
        var route: String
        var expected: [AccessOutcome]
    }

    static let room = "room/520602001201"
    static let lingeringReader = "SRT reader connected during the session, once it closes"

    /// The expected access rules. Columns in `AccessCaller` order:
    /// none · forged · expired · revoked · admin · city · own county · other county · township ·
    /// dept before · dept invited · dept during · dept after · dept after with a viewer URL from during.
    ///
    /// Who is who: city hall 520600; own county 520602 (the room's county); other county 520603;
    /// township 520602001 (hosts the session); department 520600-water. "forged" is a viewer token of
    /// the right shape claiming the admin with a wrong MAC; "expired" a genuine viewer token of the
    /// own county that expired; "revoked" an organisation token of the own county revoked by the
    /// admin (for SRT: the own county's read key from before the admin rotated it). `S` = 200 and the list names the item, `B` = 200 and it does not.
    static let table: [Row] = {
        let S = AccessOutcome.sees, B = AccessOutcome.blind, R = AccessOutcome.reads, X = AccessOutcome.notApplicable
        func rej(_ code: Int) -> AccessOutcome { .rejected(code) }
        let refused = AccessOutcome.refused, cut = AccessOutcome.cut
        // HLS media: jurisdiction always; the department only while joined to an open session
        // carrying the feed; a viewer token authenticates but the rules decide on every request.
        let hls: [AccessOutcome] = [401, 403, 401, 403, 200, 200, 200, 403, 200, 403, 403, 200, 403, 403]
        // Admin-only routes use `AccessTokens.requireAdmin`, which knows no viewer tokens: an
        // expired viewer token is 403 there (any token that is not the admin's), not 401. Both deny.
        let adminOnly: [AccessOutcome] = [401, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403]
        // A session command in a session made for the caller (host: the township). Outsiders do
        // not learn it exists (404); those who may know it but are not the host are 403; the
        // closed session refuses every command (409); the admin and viewer tokens never act (403).
        let hostOnly: [AccessOutcome] = [401, 403, 401, 403, 403, 403, 403, 404, 200, 404, 403, 403, 409, 403]
        return [
            //                                                      none    forged  expired revoked admin  city  county other  town  dBefore dInvit dDuring dAfter dAfterV
            // Public by design: health, metrics ("no token by default"), the console's static files, the API's description.
            Row(route: "GET /healthz", expected:                   [200,   200,    200,    200,    200,   200,  200,   200,   200,  200,    200,   200,    200,   200]),
            Row(route: "GET /metrics", expected:                   [200,   200,    200,    200,    200,   200,  200,   200,   200,  200,    200,   200,    200,   200]),
            Row(route: "GET / (console)", expected:                [200,   200,    200,    200,    200,   200,  200,   200,   200,  200,    200,   200,    200,   200]),
            Row(route: "GET /console/app.js", expected:            [200,   200,    200,    200,    200,   200,  200,   200,   200,  200,    200,   200,    200,   200]),
            Row(route: "GET /api/v1/openapi.yaml", expected:       [200,   200,    200,    200,    200,   200,  200,   200,   200,  200,    200,   200,    200,   200]),
            // The live path list answers everyone but names a registered feed only to those who may watch it.
            Row(route: "GET /api/v1/paths", expected:              [B,     B,      B,      B,      S,     S,    S,     B,     S,    B,      B,     S,      B,     B]),
            Row(route: "GET /api/v1/me", expected:                 [401,   403,    401,    403,    200,   200,  200,   200,   200,  200,    200,   200,    200,   200]),
            Row(route: "GET /api/v1/me/areas", expected:           [401,   403,    401,    403,    S,     S,    S,     B,     S,    B,      B,     B,      B,     B]),

            // Registry reads, scoped to the caller's jurisdiction (a department has none of its own,
            // even while a session shows it a room's feed).
            Row(route: "GET /api/v1/areas", expected:              [401,   403,    401,    403,    S,     S,    S,     B,     S,    B,      B,     B,      B,     B]),
            Row(route: "GET /api/v1/rooms?township=520602001", expected: [401, 403,  401,    403,    S,     S,    S,     B,     S,    B,      B,     B,      B,     B]),
            Row(route: "GET /api/v1/rooms/{room}", expected:       [401,   403,    401,    403,    200,   200,  200,   404,   200,  404,    404,   404,    404,   404]),
            // The organisation directory (names and levels) is read by every hall: the console's
            // invitation picker needs it.
            Row(route: "GET /api/v1/orgs", expected:               [401,   403,    401,    403,    200,   200,  200,   200,   200,  200,    200,   200,    200,   200]),
            // Key material, devices and writes: the admin only.
            Row(route: "GET /api/v1/rooms/{room}/provisioning", expected: adminOnly),
            Row(route: "GET /api/v1/devices", expected: adminOnly),
            Row(route: "POST /api/v1/devices", expected:           [401,   403,    403,    403,    201,   403,  403,   403,   403,  403,    403,   403,    403,   403]),
            Row(route: "GET /api/v1/devices/{id}", expected: adminOnly),
            Row(route: "POST /api/v1/devices/{id}/revoke", expected: adminOnly),
            Row(route: "POST /api/v1/devices/{id}/rotate-key", expected: adminOnly),
            Row(route: "GET /api/v1/devices/{id}/provisioning", expected: adminOnly),
            Row(route: "GET /api/v1/orgs/{id}/provisioning", expected: adminOnly),
            // Surveillance points: reads scoped like rooms by the point's area (a village of the
            // township here), writes the admin's as for devices (they hold camera credentials).
            Row(route: "GET /api/v1/points?township=520602001", expected: [401, 403, 401,   403,    S,     S,    S,     B,     S,    B,      B,     B,      B,     B]),
            Row(route: "GET /api/v1/points?near=", expected:       [401,   403,    401,    403,    S,     S,    S,     B,     S,    B,      B,     B,      B,     B]),
            Row(route: "GET /api/v1/points/{id}", expected:        [401,   403,    401,    403,    200,   200,  200,   404,   200,  404,    404,   404,    404,   404]),
            Row(route: "POST /api/v1/points", expected:            [401,   403,    403,    403,    201,   403,  403,   403,   403,  403,    403,   403,    403,   403]),
            Row(route: "PATCH /api/v1/points/{id}", expected: adminOnly),
            Row(route: "DELETE /api/v1/points/{id}", expected:     [401,   403,    403,    403,    204,   403,  403,   403,   403,  403,    403,   403,    403,   403]),
            Row(route: "POST /api/v1/orgs/{id}/tokens", expected:  [401,   403,    403,    403,    201,   403,  403,   403,   403,  403,    403,   403,    403,   403]),
            Row(route: "GET /api/v1/orgs/{id}/tokens", expected: adminOnly),
            Row(route: "DELETE /api/v1/orgs/{id}/tokens/{token}", expected: adminOnly),
            Row(route: "POST /api/v1/orgs/{id}/srt-key/rotate", expected: adminOnly),

            // Joint reporting, reads: jurisdiction over the scene, or taking part (invited, joined,
            // left; a closed session stays visible to those who took part: the record is theirs too).
            Row(route: "GET /api/v1/incidents", expected:          [401,   403,    401,    403,    S,     S,    S,     B,     S,    B,      S,     S,      S,     S]),
            Row(route: "GET /api/v1/incidents/{id}", expected:     [401,   403,    401,    403,    200,   200,  200,   404,   200,  404,    200,   200,    200,   200]),
            Row(route: "GET /api/v1/incidents/{id}/events", expected: [401, 403,   401,    403,    200,   200,  200,   404,   200,  404,    200,   200,    200,   200]),
            Row(route: "GET /api/v1/sessions", expected:           [401,   403,    401,    403,    S,     S,    S,     B,     S,    B,      S,     S,      S,     S]),
            Row(route: "GET /api/v1/sessions/{id}", expected:      [401,   403,    401,    403,    200,   200,  200,   404,   200,  404,    200,   200,    200,   200]),
            Row(route: "GET /api/v1/sessions/{id}/events", expected: [401,  403,   401,    403,    200,   200,  200,   404,   200,  404,    200,   200,    200,   200]),
            Row(route: "GET /api/v1/sessions/{id}/events/stream", expected: [401, 403, 401,  403,    200,   200,  200,   404,   200,  404,    200,   200,    200,   200]),
            Row(route: "GET /api/v1/sessions/{id}/events/stream?token=", expected: [401, 403, 401, 403, 200, 200, 200,  404,   200,  404,    200,   200,    200,   200]),

            // Joint reporting, actions. Incidents are opened by the command centres responsible for
            // the place (city, county, township), never by a department or the admin.
            Row(route: "POST /api/v1/incidents", expected:         [401,   403,    401,    403,    403,   201,  201,   403,   201,  403,    403,   403,    403,   403]),
            // Reports: the command centres responsible for the place, or the host of an open session.
            // A department that may follow the incident (invited, joined, after) is 403, before 404.
            Row(route: "POST /api/v1/incidents/{id}/reports", expected: [401, 403,  401,    403,    403,   201,  201,   404,   201,  404,    403,   403,    403,   403]),
            // Opening a session: only the township centre of the place, on an incident made for the
            // cell (no session yet), which a department never knows of (404 in every phase).
            Row(route: "POST /api/v1/incidents/{id}/sessions", expected: [401, 403, 401,    403,    403,   403,  403,   404,   201,  404,    404,   404,    404,   403]),
            Row(route: "POST /api/v1/sessions/{id}/feeds", expected: hostOnly),
            Row(route: "DELETE /api/v1/sessions/{id}/feeds/{path}", expected: hostOnly),
            Row(route: "POST /api/v1/sessions/{id}/focus", expected: hostOnly),
            Row(route: "POST /api/v1/sessions/{id}/invitations", expected: hostOnly),
            Row(route: "DELETE /api/v1/sessions/{id}/participants/{org}", expected: hostOnly),
            // Joining: the city and the county on their own authority; the invited department; the
            // host has joined already (409), so has the department during; outsiders see nothing.
            Row(route: "POST /api/v1/sessions/{id}/join", expected: [401,  403,    401,    403,    403,   200,  200,   404,   409,  404,    200,   409,    409,   403]),
            // Leaving: only a joined participant that is not the host.
            Row(route: "POST /api/v1/sessions/{id}/leave", expected: [401, 403,    401,    403,    403,   409,  409,   404,   409,  404,    409,   200,    409,   403]),
            // Escalation: the host, or a joined centre senior to it (city and county have not joined here).
            Row(route: "POST /api/v1/sessions/{id}/escalations", expected: hostOnly),
            // Handover (the county has joined in this cell's session, so it can take command).
            Row(route: "POST /api/v1/sessions/{id}/handover", expected: hostOnly),
            Row(route: "POST /api/v1/sessions/{id}/close", expected: hostOnly),

            // HLS, by header and by `?token=` (players cannot send headers), every kind of file.
            Row(route: "GET /hls/{room}/index.m3u8", expected: hls),
            Row(route: "GET /hls/{room}/index.m3u8?token=", expected: hls),
            Row(route: "GET /hls/{room}/multivariant.m3u8", expected: hls),
            Row(route: "GET /hls/{room}/multivariant.m3u8?token=", expected: hls),
            Row(route: "GET /hls/{room}/ll.m3u8", expected: hls),
            Row(route: "GET /hls/{room}/ll.m3u8?_HLS_msn=&_HLS_part= (blocking)", expected: hls),
            Row(route: "GET /hls/{room}/ts.m3u8", expected: hls),
            Row(route: "GET /hls/{room}/ts.m3u8?token=", expected: hls),
            Row(route: "GET /hls/{room}/{segment}.ts", expected: hls),
            Row(route: "GET /hls/{room}/{segment}.ts?token=", expected: hls),
            Row(route: "GET /hls/{room}/{segment}.m4s", expected: hls),
            Row(route: "GET /hls/{room}/{part}.m4s", expected: hls),
            Row(route: "GET /hls/{room}/{part}.m4s?token=", expected: hls),
            Row(route: "GET /hls/{room}/{init}.mp4", expected: hls),
            Row(route: "GET /hls/{room}/{init}.mp4?token=", expected: hls),
            // A room that is not live (another county's): those who may watch it learn it is not
            // live (404); everyone else is refused exactly as for a live room, so a refusal says
            // nothing about whether it is live.
            // Recordings (issue 13): status to any caller; playback as live plus a session's
            // participants for their times, also after the close (the video still exists);
            // hand recordings by the admin or the path's jurisdiction; holds by the admin or the
            // incident's county or city. Viewer tokens never act. The department "invited" has by
            // then joined the sessions the join row made for it (each carrying the room, closed at
            // once): it may play back those moments, as it could see them live.
            Row(route: "GET /api/v1/recordings/status", expected:   [401, 403, 401, 403, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            Row(route: "GET /api/v1/recordings?path={room}", expected: [401, 403, 401, 403, 200, 200, 200, 403, 200, 403, 200, 200, 200, 200]),
            Row(route: "GET /playback/{room}/index.m3u8", expected:    [401, 403, 401, 403, 200, 200, 200, 403, 200, 403, 200, 200, 200, 200]),
            Row(route: "GET /playback/file/{id}.mp4 (Range)", expected: [401, 403, 401, 403, 206, 206, 206, 403, 206, 403, 206, 206, 206, 206]),
            Row(route: "POST /api/v1/recordings", expected:            [401, 403, 401, 403, 201, 201, 201, 403, 201, 403, 403, 403, 403, 403]),
            Row(route: "POST /api/v1/incidents/{id}/hold", expected:   [401, 403, 401, 403, 201, 201, 201, 403, 403, 403, 403, 403, 403, 403]),
            // Evidence (issue 14): the hold's state to whoever may read the incident; an export by
            // the admin or the path's jurisdiction, or by a session's participant for the times it
            // could see live; a viewer token never acts.
            Row(route: "GET /api/v1/incidents/{id}/hold", expected:    [401, 403, 401, 403, 200, 200, 200, 404, 200, 404, 200, 200, 200, 200]),
            Row(route: "POST /api/v1/exports {room}", expected:        [401, 403, 401, 403, 202, 202, 202, 403, 202, 403, 202, 202, 202, 403]),
            Row(route: "GET /hls/room/520603001201/index.m3u8 (not live)", expected: [401, 403, 401, 403, 404, 404, 403, 404, 403, 403, 403, 403, 403, 403]),

            // SRT read: `u=<org>` with that organisation's read key as the passphrase. "forged" claims
            // u=admin with a wrong key (refused inside libsrt's handshake); "revoked" is the own
            // county's key from before the admin rotated it (the county itself reads with the new
            // one). SRT read keys do not expire and are not viewer tokens: those columns do not apply.
            //                                                      none       forged   expired revoked  admin city county  other     town  dBefore   dInvit    dDuring dAfter    dAfterV
            Row(route: "SRT read room/520602001201", expected:     [rej(1401), refused, X,      refused, R,    R,   R,      rej(1403), R,    rej(1403), rej(1403), R,      rej(1403), X]),
            // Not live: the rules are applied before liveness, so without a key or outside the
            // rules the answer is the same as for a live room. (The listen callback runs before
            // libsrt checks the key, so a caller naming an allowed u= learns 1404 without the key:
            // the "forged" cell. SRT has no way to check the key first.)
            Row(route: "SRT read room/520603001201 (not live)", expected: [rej(1401), rej(1404), X, rej(1403), rej(1404), rej(1404), rej(1403), rej(1404), rej(1403), rej(1403), rej(1403), rej(1403), rej(1403), X]),
            Row(route: lingeringReader, expected:                  [X,     X,      X,      X,      X,     X,    X,     X,     X,    X,      X,     X,      cut,   X]),
        ]
    }()

    static func markdown(rows: [Row], observed: [String: [AccessCaller: AccessOutcome]]) -> String {
        var text = "| route | " + AccessCaller.allCases.map(\.title).joined(separator: " | ") + " |\n"
        text += "|---|" + AccessCaller.allCases.map { _ in "---" }.joined(separator: "|") + "|\n"
        for row in rows {
            let cells = AccessCaller.allCases.map { caller -> String in
                let expected = row.expected[caller.column]
                guard let got = observed[row.route]?[caller] else { return expected.description }
                return got.satisfies(expected) ? expected.description : "**\(got)** (want \(expected))"
            }
            text += "| `\(row.route)` | " + cells.joined(separator: " | ") + " |\n"
        }
        return text
    }
}
