import Hummingbird
import StreamHub

/// Decides who may read a live path's media over HTTP (playlists, segments, parts, init sections).
/// RelayAPI asks it on every media request, so implementations answer from memory.
public protocol MediaAccessPolicy: Sendable {
    /// Throws an `APIError` (401 without a token, 403 for one that may not, 404 to hide the path)
    /// or returns what the playlist must carry on the URIs it lists.
    func authorizeRead(_ request: Request, path: PathName) async throws -> MediaGrant
}

/// The outcome of a successful check.
public struct MediaGrant: Sendable, Equatable {
    /// A token to append (`?token=`) to every URI a playlist lists, for clients that cannot send
    /// headers (`<video>`, `EventSource`); nil when none is needed.
    public var uriToken: String?

    public init(uriToken: String? = nil) {
        self.uriToken = uriToken
    }
}

/// Until organisations have tokens: `lab/*` is open (it exists only with open ingest) and every
/// registered source needs the admin token.
public struct AdminMediaAccess: MediaAccessPolicy {
    let tokens: AccessTokens

    public init(tokens: AccessTokens) {
        self.tokens = tokens
    }

    public func authorizeRead(_ request: Request, path: PathName) async throws -> MediaGrant {
        if path.kind == .lab {
            return MediaGrant(uriToken: request.uri.queryParameters.get("token"))
        }
        try tokens.requireAdmin(request)
        return MediaGrant(uriToken: request.uri.queryParameters.get("token"))
    }
}
