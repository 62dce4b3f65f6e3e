import Foundation
import Recording
import Testing
import TestSupport

/// What `AccessRulesTests` runs its table against: one gateway, one camera publishing the room
/// `room/520602001201` over SRT (real ffmpeg), the callers' credentials, a shared joint-reporting
/// session, and one probe per route.
///
/// Rows that change state (session commands, opening a session, revoking a device or a token) get
/// a fresh incident/session or scratch object per cell, made for the caller's phase and closed
/// afterwards, so no cell depends on another's outcome. Used by one test task only (not Sendable).
final class AccessFixture {
    static let room = AccessRules.room
    static let city = "520600", ownCounty = "520602", otherCounty = "520603", township = "520602001"
    static let department = "520600-water"
    /// A surveillance point in one of the township's villages (its id's digits name another county).
    static let point = "52060300001320000077"

    let gateway: RunningGateway
    private let camera: Subprocess
    private var tokens: [String: String] = [:]
    private var revokedToken = ""
    private var rotatedReadKey = ""
    private var expiredToken = ""
    private var forgedToken = ""
    private var viewerURLToken = ""
    private var sharedIncident = ""
    private var sharedSession = ""
    private var scratch = 0

    private init(gateway: RunningGateway, camera: Subprocess) {
        self.gateway = gateway
        self.camera = camera
    }

    static func start() async throws -> AccessFixture {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let camera = try gateway.publish(clip, url: try await gateway.provisionedURL(room), loop: true)
        let fixture = AccessFixture(gateway: gateway, camera: camera)
        do {
            try await fixture.prepare()
        } catch {
            await fixture.stop()
            throw error
        }
        return fixture
    }

    private func prepare() async throws {
        for org in [Self.city, Self.ownCounty, Self.otherCounty, Self.township, Self.department] {
            tokens[org] = try await gateway.organisationToken(org)
        }
        // Revoked through the API, as an admin would.
        let admin = gateway.client(gateway.adminToken)
        try await admin.must("POST", "/api/v1/points", Self.newPoint(Self.point))
        let issued = try await admin.must("POST", "/api/v1/orgs/\(Self.ownCounty)/tokens")
        revokedToken = try #require(issued.string("token"))
        let id = try #require(issued["id"] as? Int)
        try await admin.must("DELETE", "/api/v1/orgs/\(Self.ownCounty)/tokens/\(id)")
        // The own county's SRT read key, rotated away through the API.
        rotatedReadKey = gateway.application.reporting.srtReadKeys.currentKey(for: Self.ownCounty)
        try await admin.must("POST", "/api/v1/orgs/\(Self.ownCounty)/srt-key/rotate")
        // A genuine viewer token of the own county, expired an hour ago less its lifetime.
        expiredToken = gateway.application.reporting.viewerTokens.issue(for: .organisation(Self.ownCounty), now: Date(timeIntervalSinceNow: -3600))
        // The right shape, claiming the admin, a MAC that is not the gateway's.
        forgedToken = "frv1.admin.\(Int(Date().timeIntervalSince1970) + 600).\(String(repeating: "5a", count: 16))"
        // Both playlists up, with parts, before the table runs.
        _ = try await gateway.waitForPlaylist(Self.room, token: gateway.adminToken) { ParsedPlaylist($0).segments.count >= 2 }
        _ = try await gateway.waitForPlaylist(Self.room, file: "ll.m3u8", token: gateway.adminToken) {
            let playlist = LowLatencyParsedPlaylist($0)
            return playlist.segments.count >= 2 && playlist.segments.last?.parts.isEmpty == false
        }
    }

    func stop() async {
        camera.terminate()
        _ = await camera.wait(timeout: .seconds(5))
        await gateway.stop()
    }

    // MARK: - The shared session and its phases

    func openSharedSession() async throws {
        let scene = try await makeScene(phase: nil)
        sharedIncident = scene.incident
        sharedSession = try #require(scene.session)
    }

    func inviteDepartment() async throws {
        try await client(Self.township).must("POST", "/api/v1/sessions/\(sharedSession)/invitations", ["org": Self.department, "role": "participant"])
    }

    /// Joins the department and keeps the HLS URL the session hands it, for the "after" column.
    func joinDepartment() async throws {
        let view = try await client(Self.department).must("POST", "/api/v1/sessions/\(sharedSession)/join")
        let url = try #require(view.objects("feeds").first { $0.string("path") == Self.room }?.string("hlsUrl"))
        viewerURLToken = try #require(url.components(separatedBy: "?token=").last?.removingPercentEncoding)
    }

    func closeSharedSession() async throws {
        try await client(Self.township).must("POST", "/api/v1/sessions/\(sharedSession)/close")
    }

    // MARK: - Credentials

    func token(_ caller: AccessCaller) -> String? {
        switch caller {
        case .none: nil
        case .forged: forgedToken
        case .expired: expiredToken
        case .revoked: revokedToken
        case .admin: gateway.adminToken
        case .city: tokens[Self.city]
        case .ownCounty: tokens[Self.ownCounty]
        case .otherCounty: tokens[Self.otherCounty]
        case .township: tokens[Self.township]
        case .departmentBefore, .departmentInvited, .departmentDuring, .departmentAfter: tokens[Self.department]
        case .departmentAfterViewerURL: viewerURLToken
        }
    }

    /// `u=` and passphrase for an SRT read; nil where the column does not apply.
    func srtCredential(_ caller: AccessCaller) -> (user: String?, passphrase: String?)? {
        let keys = gateway.application.reporting.srtReadKeys
        func own(_ user: String) -> (String?, String?) { (user, keys.currentKey(for: user)) }
        switch caller {
        case .none: return (nil, nil)
        case .forged: return ("admin", "ForgedForgedForgedForged")
        case .revoked: return (Self.ownCounty, rotatedReadKey)
        case .expired, .departmentAfterViewerURL: return nil
        case .admin: return own("admin")
        case .city: return own(Self.city)
        case .ownCounty: return own(Self.ownCounty)
        case .otherCounty: return own(Self.otherCounty)
        case .township: return own(Self.township)
        case .departmentBefore, .departmentInvited, .departmentDuring, .departmentAfter: return own(Self.department)
        }
    }

    private func client(_ org: String) -> ReportingClient { gateway.client(tokens[org]) }

    // MARK: - Probes

    /// Runs the route as the caller and says what came back.
    func probe(_ route: String, as caller: AccessCaller) async throws -> AccessOutcome {
        let room = Self.room
        switch route {
        case "GET /healthz": return try await status("GET", "/healthz", caller)
        case "GET /metrics": return try await status("GET", "/metrics", caller)
        case "GET / (console)": return try await status("GET", "/", caller)
        case "GET /console/app.js": return try await status("GET", "/console/app.js", caller)
        case "GET /api/v1/openapi.yaml": return try await status("GET", "/api/v1/openapi.yaml", caller)
        case "GET /api/v1/paths":
            // JSONEncoder escapes '/' ("room\/520602001201"): look for the code.
            return try await listed("/api/v1/paths", caller, marker: "520602001201")
        case "GET /api/v1/me": return try await status("GET", "/api/v1/me", caller)
        case "GET /api/v1/me/areas": return try await listed("/api/v1/me/areas", caller, marker: "\"code\":\"\(Self.township)\"")

        case "GET /api/v1/areas": return try await listed("/api/v1/areas?depth=township", caller, marker: "\"code\":\"\(Self.township)\"")
        case "GET /api/v1/rooms?township=520602001": return try await listed("/api/v1/rooms?township=\(Self.township)", caller, marker: "520602001201")
        case "GET /api/v1/rooms/{room}": return try await status("GET", "/api/v1/rooms/520602001201", caller)
        case "GET /api/v1/orgs": return try await status("GET", "/api/v1/orgs", caller)
        case "GET /api/v1/rooms/{room}/provisioning": return try await status("GET", "/api/v1/rooms/520602001201/provisioning", caller)
        case "GET /api/v1/devices": return try await status("GET", "/api/v1/devices", caller)
        case "POST /api/v1/devices":
            return try await status("POST", "/api/v1/devices", caller, ["id": "sec-new-\(nextScratch())", "name": "review camera", "org": Self.township])
        case "GET /api/v1/devices/{id}": return try await status("GET", "/api/v1/devices/bc-\(Self.township)", caller)
        case "POST /api/v1/devices/{id}/revoke":
            let device = try await scratchDevice()
            return try await status("POST", "/api/v1/devices/\(device)/revoke", caller)
        case "POST /api/v1/devices/{id}/rotate-key":
            let device = try await scratchDevice()
            return try await status("POST", "/api/v1/devices/\(device)/rotate-key", caller)
        case "GET /api/v1/devices/{id}/provisioning": return try await status("GET", "/api/v1/devices/bc-\(Self.township)/provisioning", caller)
        case "GET /api/v1/orgs/{id}/provisioning": return try await status("GET", "/api/v1/orgs/\(Self.ownCounty)/provisioning", caller)
        case "GET /api/v1/points?township=520602001": return try await listed("/api/v1/points?township=\(Self.township)", caller, marker: Self.point)
        case "GET /api/v1/points?near=": return try await listed("/api/v1/points?near=27.72,109.19&radiusKm=5", caller, marker: Self.point)
        case "GET /api/v1/points/{id}": return try await status("GET", "/api/v1/points/\(Self.point)", caller)
        case "POST /api/v1/points": return try await status("POST", "/api/v1/points", caller, Self.newPoint("sec-point-\(nextScratch())"))
        case "PATCH /api/v1/points/{id}":
            let point = try await scratchPoint()
            return try await status("PATCH", "/api/v1/points/\(point)", caller, ["name": "renamed by review"])
        case "DELETE /api/v1/points/{id}":
            let point = try await scratchPoint()
            return try await status("DELETE", "/api/v1/points/\(point)", caller)
        case "POST /api/v1/orgs/{id}/tokens": return try await status("POST", "/api/v1/orgs/\(Self.ownCounty)/tokens", caller)
        case "GET /api/v1/orgs/{id}/tokens": return try await status("GET", "/api/v1/orgs/\(Self.ownCounty)/tokens", caller)
        case "POST /api/v1/orgs/{id}/srt-key/rotate": return try await status("POST", "/api/v1/orgs/\(Self.otherCounty)/srt-key/rotate", caller)
        case "DELETE /api/v1/orgs/{id}/tokens/{token}":
            let issued = try await gateway.client(gateway.adminToken).must("POST", "/api/v1/orgs/\(Self.otherCounty)/tokens")
            let id = try #require(issued["id"] as? Int)
            return try await status("DELETE", "/api/v1/orgs/\(Self.otherCounty)/tokens/\(id)", caller)

        case "GET /api/v1/incidents": return try await listed("/api/v1/incidents", caller, marker: "\"id\":\"\(sharedIncident)\"")
        case "GET /api/v1/incidents/{id}": return try await status("GET", "/api/v1/incidents/\(sharedIncident)", caller)
        case "GET /api/v1/incidents/{id}/events": return try await status("GET", "/api/v1/incidents/\(sharedIncident)/events", caller)
        case "GET /api/v1/sessions": return try await listed("/api/v1/sessions", caller, marker: "\"id\":\"\(sharedSession)\"")
        case "GET /api/v1/sessions/{id}": return try await status("GET", "/api/v1/sessions/\(sharedSession)", caller)
        case "GET /api/v1/sessions/{id}/events": return try await status("GET", "/api/v1/sessions/\(sharedSession)/events", caller)
        case "GET /api/v1/sessions/{id}/events/stream": return try await eventStream(caller, inQuery: false)
        case "GET /api/v1/sessions/{id}/events/stream?token=": return try await eventStream(caller, inQuery: true)

        case "POST /api/v1/incidents":
            return try await status("POST", "/api/v1/incidents", caller, Self.newIncident)
        case "POST /api/v1/incidents/{id}/reports":
            return try await status("POST", "/api/v1/incidents/\(sharedIncident)/reports", caller, ["stage": "followup", "text": "water still rising"])
        case "POST /api/v1/incidents/{id}/sessions":
            return try await inScene(caller, session: false) { scene in
                try await self.status("POST", "/api/v1/incidents/\(scene.incident)/sessions", caller)
            }
        case "POST /api/v1/sessions/{id}/feeds":
            return try await command(caller, "POST", "feeds", ["path": "room/520602001202"])
        case "DELETE /api/v1/sessions/{id}/feeds/{path}":
            return try await command(caller, "DELETE", "feeds/\(room)")
        case "POST /api/v1/sessions/{id}/focus":
            return try await command(caller, "POST", "focus", ["path": room])
        case "POST /api/v1/sessions/{id}/invitations":
            return try await command(caller, "POST", "invitations", ["org": "520600-forestry", "role": "observer"])
        case "DELETE /api/v1/sessions/{id}/participants/{org}":
            return try await command(caller, "DELETE", "participants/520600-fire")
        case "POST /api/v1/sessions/{id}/join": return try await command(caller, "POST", "join")
        case "POST /api/v1/sessions/{id}/leave": return try await command(caller, "POST", "leave")
        case "POST /api/v1/sessions/{id}/escalations": return try await command(caller, "POST", "escalations", ["grade": "III"])
        case "POST /api/v1/sessions/{id}/handover":
            return try await command(caller, "POST", "handover", ["to": Self.ownCounty, "note": "county takes command"], countyJoined: true)
        case "POST /api/v1/sessions/{id}/close": return try await command(caller, "POST", "close")

        case "GET /api/v1/recordings/status": return try await status("GET", "/api/v1/recordings/status", caller)
        case "GET /api/v1/recordings?path={room}": return try await status("GET", "/api/v1/recordings?path=\(room)", caller)
        case "GET /playback/{room}/index.m3u8":
            try await recordedUntilNow()
            return try await status("GET", "/playback/\(room)/index.m3u8?\(playbackRange)", caller)
        case "GET /playback/file/{id}.mp4 (Range)":
            let playlist = try await gateway.client(gateway.adminToken).request("GET", "/playback/\(room)/index.m3u8?\(playbackRange)")
            let uri = try #require(playlist.text.split(separator: "\n").first { $0.hasPrefix("/playback/file/") }?.split(separator: "?").first)
            let token = token(caller)
            return .status(try await gateway.client(token).request("GET", String(uri), headers: ["Range": "bytes=0-99"]).status)
        case "POST /api/v1/recordings": return try await status("POST", "/api/v1/recordings", caller, ["path": room, "note": "review"])
        case "POST /api/v1/incidents/{id}/hold": return try await status("POST", "/api/v1/incidents/\(sharedIncident)/hold", caller, ["note": "review"])
        case "GET /api/v1/incidents/{id}/hold": return try await status("GET", "/api/v1/incidents/\(sharedIncident)/hold", caller)
        case "POST /api/v1/exports {room}":
            try await recordedUntilNow()
            return try await status("POST", "/api/v1/exports", caller, [
                "path": room, "from": RecordingTime.format(Date().addingTimeInterval(-120)), "to": RecordingTime.format(Date()), "note": "access table"])
        case "GET /hls/{room}/index.m3u8": return try await media("index.m3u8", caller)
        case "GET /hls/{room}/index.m3u8?token=": return try await media("index.m3u8", caller, inQuery: true)
        case "GET /hls/{room}/multivariant.m3u8": return try await media("multivariant.m3u8", caller)
        case "GET /hls/{room}/multivariant.m3u8?token=": return try await media("multivariant.m3u8", caller, inQuery: true)
        case "GET /hls/{room}/ll.m3u8": return try await media("ll.m3u8", caller)
        case "GET /hls/{room}/ll.m3u8?_HLS_msn=&_HLS_part= (blocking)":
            let (sequence, part) = try await nextPart()
            return try await media("ll.m3u8", caller, query: "_HLS_msn=\(sequence)&_HLS_part=\(part)")
        case "GET /hls/{room}/ts.m3u8": return try await media("ts.m3u8", caller)
        case "GET /hls/{room}/ts.m3u8?token=": return try await media("ts.m3u8", caller, inQuery: true)
        case "GET /hls/{room}/{segment}.ts":
            let file = try await classicSegment()
            return try await media(file, caller)
        case "GET /hls/{room}/{segment}.ts?token=":
            let file = try await classicSegment()
            return try await media(file, caller, inQuery: true)
        case "GET /hls/{room}/{segment}.m4s":
            let file = try await lowLatencyFile(\.segment)
            return try await media(file, caller)
        case "GET /hls/{room}/{part}.m4s":
            let file = try await lowLatencyFile(\.part)
            return try await media(file, caller)
        case "GET /hls/{room}/{part}.m4s?token=":
            let file = try await lowLatencyFile(\.part)
            return try await media(file, caller, inQuery: true)
        case "GET /hls/{room}/{init}.mp4":
            let file = try await lowLatencyFile(\.map)
            return try await media(file, caller)
        case "GET /hls/{room}/{init}.mp4?token=":
            let file = try await lowLatencyFile(\.map)
            return try await media(file, caller, inQuery: true)
        case "GET /hls/room/520603001201/index.m3u8 (not live)": return try await media("index.m3u8", caller, path: "room/520603001201")

        case "SRT read room/520602001201": return try await srtRead(room, caller)
        case "SRT read room/520603001201 (not live)": return try await srtRead("room/520603001201", caller)
        default:
            throw TestFailure("no probe for route '\(route)'")
        }
    }

    static var newIncident: [String: Any] { [
        "villageCode": "520602001201", "category": "natural_disaster", "grade": "IV", "title": "Flash flood (access review)",
        "report": "water rising at the bridge"] }

    // MARK: - HTTP

    private func request(_ method: String, _ path: String, _ caller: AccessCaller, _ json: [String: Any]? = nil,
                         inQuery: Bool = false) async throws -> ReportingClient.Reply {
        let token = token(caller)
        if inQuery {
            var target = path
            if let token {
                target += (path.contains("?") ? "&" : "?") + "token=" + Self.encoded(token)
            }
            return try await gateway.client(nil).request(method, target, json: json)
        }
        return try await gateway.client(token).request(method, path, json: json)
    }

    /// Waits until the room's recording reaches this moment (its GOP written and indexed), so what
    /// a caller could see live until now is on disk when its playback is probed.
    private func recordedUntilNow() async throws {
        let now = Date()
        try await waitFor("the room recorded up to now", timeout: .seconds(15)) {
            let spans = try await gateway.client(gateway.adminToken).must("GET", "/api/v1/recordings?path=\(Self.room)").objects("spans")
            return spans.compactMap { $0.string("to").flatMap(RecordingTime.parse) }.contains { $0 >= now }
        }
    }

    /// The last two minutes: the shared session's room is recorded from its attach.
    private var playbackRange: String {
        "from=\(RecordingTime.format(Date().addingTimeInterval(-120)))&to=\(RecordingTime.format(Date()))"
    }

    private func status(_ method: String, _ path: String, _ caller: AccessCaller, _ json: [String: Any]? = nil) async throws -> AccessOutcome {
        .status(try await request(method, path, caller, json).status)
    }

    private func listed(_ path: String, _ caller: AccessCaller, marker: String) async throws -> AccessOutcome {
        let reply = try await request("GET", path, caller)
        guard reply.status == 200 else { return .status(reply.status) }
        return reply.text.contains(marker) ? .sees : .blind
    }

    static func encoded(_ token: String) -> String {
        token.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? token
    }

    /// The event stream stays open: curl reads the status line and gives up after a second.
    private func eventStream(_ caller: AccessCaller, inQuery: Bool) async throws -> AccessOutcome {
        var url = "\(gateway.baseURL)/api/v1/sessions/\(sharedSession)/events/stream"
        var arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "1"]
        if let token = token(caller) {
            if inQuery { url += "?token=" + Self.encoded(token) } else { arguments += ["-H", "Authorization: Bearer \(token)"] }
        }
        let (_, output, _) = try await Subprocess.run("curl", arguments + [url], timeout: .seconds(10))
        guard let code = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)), code > 0 else {
            throw TestFailure("curl gave no status for the event stream: '\(output)'")
        }
        return .status(code)
    }

    // MARK: - Scenes for state-changing rows

    struct Scene: Sendable {
        var incident: String
        var session: String?
    }

    /// An incident in the room's village opened by the township; with `session`, a session hosted
    /// by the township carrying the room, the fire department invited (someone to remove), the
    /// county joined if asked, and the water department in `phase`.
    private func makeScene(phase: DepartmentPhase?, session: Bool = true, countyJoined: Bool = false) async throws -> Scene {
        let township = client(Self.township)
        let incident = try #require(try await township.must("POST", "/api/v1/incidents", Self.newIncident).string("id"))
        guard session else { return Scene(incident: incident, session: nil) }
        let id = try #require(try await township.must("POST", "/api/v1/incidents/\(incident)/sessions").string("id"))
        try await township.must("POST", "/api/v1/sessions/\(id)/feeds", ["path": Self.room])
        try await township.must("POST", "/api/v1/sessions/\(id)/invitations", ["org": "520600-fire", "role": "observer"])
        if countyJoined { try await client(Self.ownCounty).must("POST", "/api/v1/sessions/\(id)/join") }
        if let phase, phase != .before {
            try await township.must("POST", "/api/v1/sessions/\(id)/invitations", ["org": Self.department, "role": "participant"])
            if phase == .joined || phase == .closed { try await client(Self.department).must("POST", "/api/v1/sessions/\(id)/join") }
            if phase == .closed { try await township.must("POST", "/api/v1/sessions/\(id)/close") }
        }
        return Scene(incident: incident, session: id)
    }

    /// Closes whatever session the incident still has open, as its host (which a handover changed).
    private func dispose(_ scene: Scene) async throws {
        let admin = gateway.client(gateway.adminToken)
        guard let open = try await admin.must("GET", "/api/v1/incidents/\(scene.incident)").string("openSession") else { return }
        let host = try #require(try await admin.must("GET", "/api/v1/sessions/\(open)").string("host"))
        try await client(host).must("POST", "/api/v1/sessions/\(open)/close")
    }

    private func inScene(_ caller: AccessCaller, session: Bool = true, countyJoined: Bool = false,
                         _ body: (Scene) async throws -> AccessOutcome) async throws -> AccessOutcome {
        let scene = try await makeScene(phase: caller.phase, session: session, countyJoined: countyJoined)
        let outcome = try await body(scene)
        try await dispose(scene)
        return outcome
    }

    private func command(_ caller: AccessCaller, _ method: String, _ tail: String, _ json: [String: Any]? = nil,
                         countyJoined: Bool = false) async throws -> AccessOutcome {
        try await inScene(caller, countyJoined: countyJoined) { scene in
            try await self.status(method, "/api/v1/sessions/\(scene.session ?? "")/\(tail)", caller, json)
        }
    }

    private func nextScratch() -> Int {
        scratch += 1
        return scratch
    }

    static func newPoint(_ id: String) -> [String: Any] {
        ["id": id, "name": "review point", "network": "skynet", "areaCode": "520602001201", "latitude": 27.72, "longitude": 109.19,
         "source": ["url": "rtsp://127.0.0.1:8554/review", "username": "viewer", "password": "s3cr3t-PASS-123"]]
    }

    /// A point made for one cell (changing or deleting it touches nothing else).
    private func scratchPoint() async throws -> String {
        let id = "sec-scratch-point-\(nextScratch())"
        try await gateway.client(gateway.adminToken).must("POST", "/api/v1/points", Self.newPoint(id))
        return id
    }

    /// A device made for one cell (revoking or rotating it touches nothing else).
    private func scratchDevice() async throws -> String {
        let id = "sec-scratch-\(nextScratch())"
        _ = try await gateway.application.registry.addDevice(id: id, name: "review scratch camera", org: Self.township)
        return id
    }

    // MARK: - HLS

    private func media(_ file: String, _ caller: AccessCaller, path: String = room, query: String? = nil,
                       inQuery: Bool = false) async throws -> AccessOutcome {
        var url = "\(gateway.baseURL)/hls/\(path)/\(file)"
        var parameters: [String] = query.map { [$0] } ?? []
        var headers: [String: String] = [:]
        if let token = token(caller) {
            if inQuery { parameters.append("token=" + Self.encoded(token)) } else { headers["Authorization"] = "Bearer \(token)" }
        }
        if !parameters.isEmpty { url += "?" + parameters.joined(separator: "&") }
        return .status(try await HTTPClient.get(url, headers: headers).status)
    }

    /// A playlist as the admin sees it now (names roll out of the window; fetch fresh ones per cell).
    private func adminPlaylist(_ file: String) async throws -> String {
        let reply = try await HTTPClient.get("\(gateway.baseURL)/hls/\(Self.room)/\(file)", headers: ["Authorization": "Bearer \(gateway.adminToken)"])
        guard reply.status == 200 else { throw TestFailure("admin could not fetch \(file): \(reply.status) \(reply.text)") }
        return reply.text
    }

    private static func bare(_ uri: String) -> String { String(uri.split(separator: "?")[0]) }

    private func classicSegment() async throws -> String {
        try Self.bare(#require(ParsedPlaylist(try await adminPlaylist("ts.m3u8")).segments.last?.uri))
    }

    struct LowLatencyFiles {
        var segment: String
        var part: String
        var map: String
    }

    private func lowLatencyFile(_ pick: KeyPath<LowLatencyFiles, String>) async throws -> String {
        let playlist = LowLatencyParsedPlaylist(try await adminPlaylist("ll.m3u8"))
        let complete = playlist.segments.filter { $0.uri != nil }
        let files = LowLatencyFiles(
            segment: Self.bare(try #require(complete.last?.uri)),
            part: Self.bare(try #require(playlist.segments.last?.parts.last?.uri)),
            map: Self.bare(try #require(playlist.segments.last?.map)))
        return files[keyPath: pick]
    }

    /// The part the preload hint names: a blocking reload for it is held until it is complete.
    private func nextPart() async throws -> (Int, Int) {
        let playlist = LowLatencyParsedPlaylist(try await adminPlaylist("ll.m3u8"))
        let hint = try #require(playlist.preloadHint)
        return try #require(LowLatencyParsedPlaylist.position(of: Self.bare(hint)))
    }

    // MARK: - SRT read

    private func rejections() async throws -> [Int: Double] {
        var counts: [Int: Double] = [:]
        let prefix = "fieldrelay_srt_rejections_total{code=\""
        for line in try await gateway.metrics().split(separator: "\n") where line.hasPrefix(prefix) {
            let rest = line.dropFirst(prefix.count)
            guard let quote = rest.firstIndex(of: "\""), let code = Int(rest[..<quote]),
                  let value = Double(rest.split(separator: " ").last ?? "") else { continue }
            counts[code] = value
        }
        return counts
    }

    private func srtURL(_ path: String, _ credential: (user: String?, passphrase: String?)) -> String {
        var streamID = "#!::r=\(path),m=request"
        if let user = credential.user { streamID += ",u=\(user)" }
        var url = "srt://127.0.0.1:\(gateway.srtPort)?streamid=\(streamID)&latency=200000&connect_timeout=3000"
        if let passphrase = credential.passphrase { url += "&passphrase=\(passphrase)&pbkeylen=16" }
        return url
    }

    /// Reads a second of the path with ffmpeg as the caller: media (`reads`), a callback
    /// rejection (by the counter that moved), or a refusal in the handshake.
    private func srtRead(_ path: String, _ caller: AccessCaller) async throws -> AccessOutcome {
        guard let credential = srtCredential(caller) else { return .notApplicable }
        let before = try await rejections()
        let file = Clips.directory.appendingPathComponent("access-\(UUID().uuidString).ts")
        defer { try? FileManager.default.removeItem(at: file) }
        let reader = try Subprocess("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", srtURL(path, credential),
                                               "-t", "1", "-c", "copy", "-f", "mpegts", "-y", file.path])
        let exit = await reader.wait(timeout: .seconds(20))
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        if exit == 0 && size > 0 { return .reads }
        let after = try await rejections()
        let moved = after.filter { $0.value > (before[$0.key] ?? 0) }.map(\.key).sorted()
        if moved.count == 1 { return .rejected(moved[0]) }
        if moved.isEmpty { return .refused }
        return .failed("several rejection codes moved: \(moved)")
    }

    /// The department's hardware decoder, connected while the session carries the room.
    func startDepartmentReader() async throws -> (Subprocess, URL) {
        let credential = try #require(srtCredential(.departmentDuring))
        return try await Self.startReader(url: srtURL(Self.room, credential), name: "the department's SRT reader during the session")
    }

    /// A hall decoder (real ffmpeg) reading `url` until stopped, returned once media has reached its
    /// file (bounded wait).
    static func startReader(url: String, name: String) async throws -> (Subprocess, URL) {
        let file = Clips.directory.appendingPathComponent("reader-\(UUID().uuidString).ts")
        let reader = try Subprocess("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", url, "-c", "copy", "-f", "mpegts", "-y", file.path])
        let deadline = ContinuousClock.now + .seconds(15)
        while size(of: file) == 0 && reader.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        guard size(of: file) > 0 else {
            reader.terminate()
            throw TestFailure("\(name) received nothing: \(reader.standardError)")
        }
        return (reader, file)
    }

    /// Whether a running reader was cut: its process ends within a bounded wait, or, still running,
    /// its file stops growing.
    static func wasCut(_ reader: (Subprocess, URL)) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while reader.0.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        guard reader.0.isRunning else { return true }
        let before = size(of: reader.1)
        try? await Task.sleep(for: .seconds(2))
        return size(of: reader.1) == before
    }

    /// After the close: `cut` when the reader's connection ended and its file stopped growing
    /// (bounded wait), `kept` when media still arrives.
    func readerWasCut(_ lingering: (Subprocess, URL)) async -> AccessOutcome {
        defer {
            lingering.0.terminate()
            try? FileManager.default.removeItem(at: lingering.1)
        }
        return await Self.wasCut(lingering) ? .cut : .kept
    }

    static func size(of file: URL) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
    }
}
