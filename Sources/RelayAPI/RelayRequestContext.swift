import Hummingbird
import JointReporting

/// The request context of every FieldRelay route: Hummingbird's core context, and who the caller
/// is, resolved once per request by `AuthenticationMiddleware` from the token it presents.
public struct RelayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// nil: the request presented no token.
    var authentication: Authentication?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}

/// What a presented token turned out to be. A refusal is kept, not thrown, until a route needs a
/// caller: routes open to anyone (`lab/*` media, `/metrics`, the console's files) answer as they
/// would without a token.
enum Authentication: Sendable {
    /// A valid token; `viewerToken`: a short-lived viewer token (it only reads).
    case caller(Caller, viewerToken: Bool)
    /// A token that is expired (401: routine, a page left open; not recorded), unknown, revoked or
    /// forged (403: recorded when a route needs the caller).
    case refused(AuthenticationRefusal)
}

struct AuthenticationRefusal: Sendable {
    var status: HTTPResponse.Status
    var message: String
    /// Whose viewer token it was, when the token itself could be read.
    var actor: Viewer?
}
