import AccessKeys
import Foundation
import HTTPTypes
import Hummingbird
import JointReporting
import ReportingStore

/// What the joint-reporting routes and the scoped media policy share: the coordinator and the
/// three kinds of token (the admin's, organisations', short-lived viewer tokens), and the SRT read
/// keys the admin rotates.
public struct ReportingContext: Sendable {
    public let coordinator: SessionCoordinator
    public let adminTokens: AccessTokens
    public let organisationTokens: OrganisationTokens
    public let viewerTokens: ViewerTokenSigner
    public let srtReadKeys: SRTReadKeyGenerations
    /// Who is online and what each organisation watches (memory only).
    public let presence = Presence()
    let authenticationRefusals = RefusalThrottle(window: .seconds(10))
    /// A surveillance point's area code (from the registry): whose jurisdiction a `point/<id>` is
    /// in, decided by its area, never by its id's digits. Nil: points are the admin's only.
    public var pointArea: (@Sendable (String) async -> String?)?

    public init(coordinator: SessionCoordinator, adminTokens: AccessTokens, organisationTokens: OrganisationTokens,
                viewerTokens: ViewerTokenSigner, srtReadKeys: SRTReadKeyGenerations) {
        self.coordinator = coordinator
        self.adminTokens = adminTokens
        self.organisationTokens = organisationTokens
        self.viewerTokens = viewerTokens
        self.srtReadKeys = srtReadKeys
    }

    /// What the request's token is (`Authorization: Bearer`, or `?token=`): nil without one.
    /// Reads memory only (the organisation token index), records nothing: `AuthenticationMiddleware`
    /// calls it for every request.
    func identify(_ request: Request) async -> Authentication? {
        guard let presented = AccessTokens.presented(by: request) else { return nil }
        if let admin = adminTokens.admin, AccessTokens.constantTimeEqual(presented, admin) {
            return .caller(.admin, viewerToken: false)
        }
        if presented.hasPrefix(ViewerTokenSigner.prefix) {
            switch viewerTokens.check(presented) {
            case .valid(let viewer):
                switch viewer {
                case .admin: return .caller(.admin, viewerToken: true)
                case .organisation(let id): return .caller(.organisation(id), viewerToken: true)
                }
            case .expired:
                return .refused(AuthenticationRefusal(status: .unauthorized, message: "this viewer token has expired; fetch a fresh URL",
                                                      actor: nil))
            case .invalid:
                return .refused(AuthenticationRefusal(status: .forbidden, message: "this token is not valid here", actor: nil))
            }
        }
        if let organisation = await organisationTokens.organisation(presenting: presented) {
            return .caller(.organisation(organisation), viewerToken: false)
        }
        return .refused(AuthenticationRefusal(status: .forbidden, message: "this token is not valid here (unknown or revoked)",
                                              actor: nil))
    }

    /// The caller the request's context holds, as a route that needs one requires it.
    ///
    /// 401 without a token or with an expired viewer token (fetch a fresh URL); 403 for a token
    /// this gateway does not know, or a viewer token used to act (`readOnly` false): viewer tokens
    /// ride in URLs and only ever read.
    public func caller(_ request: Request, _ context: RelayRequestContext, readOnly: Bool) async throws -> Caller {
        switch context.authentication {
        case nil:
            throw APIError(.unauthorized, "this needs a token: Authorization: Bearer <token> (or ?token= for media and event-stream URLs)",
                           headers: [.wwwAuthenticate: "Bearer"])
        case .refused(let refusal)?:
            if refusal.status == .unauthorized {
                throw APIError(.unauthorized, refusal.message, headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
            }
            throw await refuse(request, refusal.status, refusal.message, actor: refusal.actor)
        case .caller(let caller, let viewerToken)?:
            if viewerToken, !readOnly {
                let viewer: Viewer
                switch caller {
                case .admin: viewer = .admin
                case .organisation(let id): viewer = .organisation(id)
                }
                throw await refuse(request, .forbidden, "a viewer token only reads; act with your organisation's token", actor: viewer)
            }
            return caller
        }
    }

    /// Only the admin token itself (not a viewer token derived from it): 401 without a token, 403
    /// with any other.
    public func requireAdmin(_ request: Request, _ context: RelayRequestContext) throws {
        switch context.authentication {
        case nil:
            throw APIError(.unauthorized, "this needs a token: Authorization: Bearer <token> (or ?token= for media URLs)",
                           headers: [.wwwAuthenticate: "Bearer"])
        case .caller(.admin, viewerToken: false)?:
            return
        default:
            throw APIError(.forbidden, "this token may not do that")
        }
    }

    /// Records a refused authentication (throttled per kind and route) and returns the error.
    private func refuse(_ request: Request, _ status: HTTPResponse.Status, _ message: String, actor: Viewer?) async -> APIError {
        let who: String
        switch actor {
        case .admin?: who = "admin"
        case .organisation(let id)?: who = id
        case nil: who = "unauthenticated"
        }
        let route = "\(request.method) \(request.uri.path)"
        if authenticationRefusals.shouldRecord("\(who)|\(route)") {
            await coordinator.recordRefusal(
                ReportingError(.forbidden, message), command: "authenticate", actor: who,
                arguments: ["route": .string(String(route.prefix(200)))])
        }
        return APIError(status, message)
    }

    /// The HLS URL of `path` for `viewer`, with a fresh viewer token.
    public func hlsURL(_ path: String, for viewer: Viewer) -> String {
        "/hls/\(path)/index.m3u8?token=" + viewerTokens.issue(for: viewer)
    }
}
