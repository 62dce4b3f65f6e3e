import Foundation
import HLSPackager
import HTTPTypes
import Hummingbird
import StreamHub

/// Serves `/hls/<kind>/<id>/<file>`: the playlist as `index.m3u8` (and `ts.m3u8`, the name that
/// stays classic MPEG-TS when Low-Latency HLS arrives) and the segments it lists.
struct HLSController<Context: RequestContext>: Sendable {
    let paths: PathManager
    /// How long a playlist request for a live path without a finished segment yet may wait for one.
    let firstSegmentWait: Duration
    let access: any MediaAccessPolicy

    func addRoutes(to router: Router<Context>) {
        router.get("/hls/**") { request, context in
            try await serve(request, context: context)
        }
    }

    func serve(_ request: Request, context: Context) async throws -> Response {
        let parts = context.parameters.getCatchAll().map(String.init)
        guard parts.count >= 2, let file = parts.last else {
            throw APIError(.notFound, "expected /hls/<kind>/<id>/<file>")
        }
        let name: PathName
        do {
            name = try PathName(parts.dropLast().joined(separator: "/"))
        } catch {
            switch error.code {
            case .malformedPath: throw APIError(.badRequest, error.message)
            case .unknownPath, .pathBusy: throw APIError(.notFound, error.message)
            }
        }
        let grant = try await access.authorizeRead(request, path: name)
        guard let path = paths.path(name), let packager = path.reader(of: ClassicHLSPackager.self) else {
            throw APIError(.notFound, "no stream at \(name)")
        }
        switch file {
        case "index.m3u8", "ts.m3u8":
            var playlist = packager.playlist()
            if playlist == nil, await packager.waitForPlaylist(timeout: firstSegmentWait) {
                playlist = packager.playlist()
            }
            guard let playlist else {
                throw APIError(.serviceUnavailable, "\(name) has no complete segment yet", headers: [.retryAfter: "1"])
            }
            let text = playlist.render(uriSuffix: Self.tokenSuffix(grant.uriToken))
            var headers = HTTPFields()
            headers[.contentType] = "application/vnd.apple.mpegurl"
            // Live playlists change every segment; a cache may hold one for at most a second.
            headers[.cacheControl] = playlist.ended ? "max-age=60" : "max-age=1"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        default:
            guard file.hasSuffix(".ts"), let segment = packager.segment(named: file) else {
                throw APIError(.notFound, "no \(file) in \(name)")
            }
            var headers = HTTPFields()
            headers[.contentType] = "video/mp2t"
            // Segment names carry the path instance and sequence number: the bytes behind one never change.
            headers[.cacheControl] = "public, max-age=3600, immutable"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: segment.data)))
        }
    }

    /// A playlist fetched with `?token=` passes the token on to every URI it lists: a `<video>`
    /// element cannot send an Authorization header.
    static func tokenSuffix(_ token: String?) -> String {
        guard let token, !token.isEmpty else { return "" }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return "?token=" + (token.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
    }
}
