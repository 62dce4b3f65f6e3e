import Foundation
import HLSPackager
import HTTPTypes
import Hummingbird
import RelayRequests
import RoomRegistry
import StreamHub

/// Serves `/hls/<kind>/<id>/<file>`:
/// - `multivariant.m3u8`: a multivariant playlist naming `index.m3u8` with what the server knows of
///   it (CODECS from the parameter sets, RESOLUTION, FRAME-RATE, BANDWIDTH), so a player need not
///   guess,
/// - `index.m3u8`: the configured default (Low-Latency unless configured otherwise; classic when
///   the stream cannot be packaged as fMP4),
/// - `ll.m3u8`: always Low-Latency HLS (fMP4 parts, blocking reload, delta updates),
/// - `ts.m3u8`: always classic MPEG-TS HLS,
/// and the segments, parts and init sections those playlists list. Packagers start on the first
/// playlist request (backfilled from the path's recent media).
struct HLSController: Sendable {
    let paths: PathManager
    let packagers: HLSPackagers
    /// How long a playlist request for a live path without a finished segment yet may wait for one.
    let firstSegmentWait: Duration
    let access: MediaAccess
    let defaultLowLatency: Bool
    let held: HeldRequests
    let cache: MediaBufferCache
    /// Pulls a surveillance point's camera when a playlist asks for it and it is not live.
    let onDemand: (any OnDemandSources)?

    func addRoutes(to router: Router<RelayRequestContext>) {
        router.get("/hls/**") { request, context in
            try await serve(request, context: context)
        }
    }

    func serve(_ request: Request, context: RelayRequestContext) async throws -> Response {
        let target: HLSRequest
        do {
            target = try HLSRequest(components: context.parameters.getCatchAll().map(String.init))
        } catch {
            throw APIError(error)
        }
        let name = target.path
        let grant = try await access.authorizeRead(request, context, path: name)
        // A point is pulled when a playlist asks for it and nothing pulls it: not live yet, or let go
        // (idle, disabled, deleted) while its path lingers; a disabled or deleted point is refused.
        if let onDemand, onDemand.isOnDemand(name), target.isPlaylist, paths.path(name) == nil || onDemand.pullState(name) == .idle {
            do {
                try await onDemand.ensureLive(name, requester: grant.requester)
            } catch let refusal as OnDemandRefusal {
                throw APIError(HTTPResponse.Status(code: refusal.status), refusal.message, code: refusal.code)
            }
        }
        guard let path = paths.path(name) else {
            throw APIError(.notFound, "no stream at \(name)")
        }
        let suffix = HLSRequest.tokenSuffix(grant.uriToken)
        switch target.file {
        case .multivariantPlaylist:
            return try await multivariantPlaylist(path, suffix: suffix)
        case .classicPlaylist:
            return try await classicPlaylist(path, suffix: suffix)
        case .lowLatencyPlaylist:
            return try await lowLatencyPlaylist(path, request: request, suffix: suffix, fallBack: false)
        case .defaultPlaylist:
            if defaultLowLatency {
                return try await lowLatencyPlaylist(path, request: request, suffix: suffix, fallBack: true)
            }
            return try await classicPlaylist(path, suffix: suffix)
        case .classicSegment(let file):
            guard let packager = path.reader(of: ClassicHLSPackager.self),
                  let buffer = cache.buffer(for: "\(name)/\(file)", make: { packager.segment(named: file)?.data }) else {
                throw APIError(.notFound, "no \(file) in \(name)")
            }
            packager.touch()
            return Self.media(buffer, type: "video/mp2t")
        case .lowLatencyResource(let file):
            return try await lowLatencyResource(path, file: file)
        }
    }

    // MARK: - Multivariant

    /// Describes the playlist `index.m3u8` serves: the Low-Latency packager's output by default,
    /// the classic one when so configured or when the stream cannot be packaged as fMP4. Like the
    /// media playlists it waits up to `firstSegmentWait` for a first segment (BANDWIDTH is measured
    /// on segments), then answers 503 with Retry-After.
    private func multivariantPlaylist(_ path: LivePath, suffix: String) async throws -> Response {
        if defaultLowLatency {
            let packager = packagers.lowLatency(for: path)
            if packager.unusableReason == nil {
                if let playlist = try await firstSegment({ packager.multivariant() }, waiting: { await packager.waitForPlaylist(timeout: $0) }) {
                    return Self.playlistResponse(playlist.render(uriSuffix: suffix), ended: false)
                }
                if packager.unusableReason == nil { throw Self.noSegmentYet(path) }
            }
        }
        let packager = packagers.classic(for: path)
        guard let playlist = try await firstSegment({ packager.multivariant() }, waiting: { await packager.waitForPlaylist(timeout: $0) }) else {
            throw Self.noSegmentYet(path)
        }
        return Self.playlistResponse(playlist.render(uriSuffix: suffix), ended: false)
    }

    /// What `make` describes, or, while it describes nothing (no segment complete yet), the same
    /// after `wait` for at most `firstSegmentWait` as one held request; nil if still nothing.
    private func firstSegment<Value>(_ make: () -> Value?, waiting wait: @escaping @Sendable (Duration) async -> Bool) async throws -> Value? {
        if let value = make() { return value }
        _ = try await held.hold({ await wait(firstSegmentWait) })
        return make()
    }

    static func noSegmentYet(_ path: LivePath) -> APIError {
        APIError(.serviceUnavailable, "\(path.name) has no complete segment yet", headers: [.retryAfter: "1"])
    }

    // MARK: - Classic

    private func classicPlaylist(_ path: LivePath, suffix: String) async throws -> Response {
        let packager = packagers.classic(for: path)
        var playlist = packager.playlist()
        if playlist == nil || !(playlist?.startable ?? false) {
            // A stream that has just gone live: hold the playlist until a player can start three
            // target durations from its end (RFC 8216 6.3.3), within the first-segment wait; then
            // answer with what there is.
            _ = try await held.hold({ await packager.waitForStartablePlaylist(timeout: firstSegmentWait) })
            playlist = packager.playlist()
        }
        guard let playlist else { throw Self.noSegmentYet(path) }
        return Self.playlistResponse(playlist.render(uriSuffix: suffix), ended: playlist.ended)
    }

    // MARK: - Low-Latency

    private func lowLatencyPlaylist(_ path: LivePath, request: Request, suffix: String, fallBack: Bool) async throws -> Response {
        let query: LowLatencyQuery
        do {
            let parameters = request.uri.queryParameters
            query = try LowLatencyQuery { parameters.get($0) }
        } catch {
            throw APIError(error)
        }
        let packager = packagers.lowLatency(for: path)
        if let reason = packager.unusableReason {
            if fallBack { return try await classicPlaylist(path, suffix: suffix) }
            throw APIError(.notFound, "no Low-Latency HLS for \(path.name): \(reason); use ts.m3u8")
        }
        var playlist = packager.playlist()
        if query.sequence == nil, Self.isMediaElement(request), !(playlist?.startable ?? false) {
            // A browser's own player (Chromium's reads whole segments, not parts) opening a stream
            // that has just gone live: held like a classic playlist until three target durations
            // are listed. Script players (hls.js, the console's) and other clients are not held
            // beyond their first part.
            _ = try await held.hold({ await packager.waitForStartablePlaylist(timeout: firstSegmentWait) })
            playlist = packager.playlist()
        }
        if playlist == nil {
            playlist = try await firstSegment({ packager.playlist() }, waiting: { await packager.waitForPlaylist(timeout: $0) })
        }
        guard var current = playlist else {
            if fallBack, packager.unusableReason != nil { return try await classicPlaylist(path, suffix: suffix) }
            throw Self.noSegmentYet(path)
        }
        if let sequence = query.sequence {
            // Blocking playlist reload (rfc8216bis 6.2.5.2): hold until the part exists, answer at once.
            guard sequence <= current.lastSequence + 2 else {
                throw APIError(.badRequest, "_HLS_msn=\(sequence) is too far ahead of the live edge (\(current.lastSequence))")
            }
            let limit = Duration.seconds(3 * current.targetDuration)
            guard try await held.hold({ await packager.waitFor(sequence: sequence, part: query.part, timeout: limit) }) else {
                throw APIError(.serviceUnavailable, "_HLS_msn=\(sequence) not available after three target durations",
                               headers: [.retryAfter: "1"])
            }
            current = packager.playlist() ?? current
        }
        return Self.playlistResponse(current.render(skip: query.skip, uriSuffix: suffix), ended: current.ended)
    }

    private func lowLatencyResource(_ path: LivePath, file: String) async throws -> Response {
        guard let packager = path.reader(of: LowLatencyHLSPackager.self), let resource = packager.resource(named: file) else {
            throw APIError(.notFound, "no \(file) in \(path.name)")
        }
        packager.touch()
        let key = "\(path.name)/\(file)"
        if let buffer = cache.buffer(for: key, make: { packager.data(for: resource) }) {
            return Self.media(buffer, type: "video/mp4")
        }
        // The part a preload hint named (or one just ahead of it): answer as soon as it is complete.
        if case .part(let sequence, let index) = resource, let playlist = packager.playlist(),
           sequence <= playlist.lastSequence + 1,
           try await held.hold({ await packager.waitFor(sequence: sequence, part: index, timeout: .seconds(3 * playlist.targetDuration)) }),
           let buffer = cache.buffer(for: key, make: { packager.data(for: resource) }) {
            return Self.media(buffer, type: "video/mp4")
        }
        throw APIError(.notFound, "no \(file) in \(path.name)")
    }

    /// Whether a browser's media element made the request itself (`<video src>`), by its Fetch
    /// Metadata (`Sec-Fetch-Dest: video` or `audio`, W3C Fetch Metadata Request Headers); script
    /// players fetch with `empty`.
    static func isMediaElement(_ request: Request) -> Bool {
        guard let destination = request.headers[HTTPField.Name("Sec-Fetch-Dest")!] else { return false }
        return destination == "video" || destination == "audio"
    }

    // MARK: - Responses

    static func playlistResponse(_ text: String, ended: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/vnd.apple.mpegurl"
        // Live playlists change with every part; a cache may hold one for at most a second.
        headers[.cacheControl] = ended ? "max-age=60" : "max-age=1"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func media(_ buffer: ByteBuffer, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        // Names carry the path instance and sequence numbers: the bytes behind one never change.
        headers[.cacheControl] = "public, max-age=3600, immutable"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
    }
}

extension APIError {
    init(_ invalid: HLSRequest.Invalid) {
        self.init(invalid.kind == .badRequest ? .badRequest : .notFound, invalid.message)
    }
}
