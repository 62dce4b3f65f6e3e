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
    let authenticationRefusals = RefusalThrottle(window: .seconds(10))

    public init(coordinator: SessionCoordinator, adminTokens: AccessTokens, organisationTokens: OrganisationTokens,
                viewerTokens: ViewerTokenSigner, srtReadKeys: SRTReadKeyGenerations) {
        self.coordinator = coordinator
        self.adminTokens = adminTokens
        self.organisationTokens = organisationTokens
        self.viewerTokens = viewerTokens
        self.srtReadKeys = srtReadKeys
    }

    /// The caller behind the request's token (`Authorization: Bearer`, or `?token=`).
    ///
    /// 401 without a token or with an expired viewer token (fetch a fresh URL); 403 for a token
    /// this gateway does not know, or a viewer token used to act (`readOnly` false): viewer tokens
    /// ride in URLs and only ever read.
    public func authenticate(_ request: Request, readOnly: Bool) async throws -> Caller {
        guard let presented = AccessTokens.presented(by: request) else {
            throw APIError(.unauthorized, "this needs a token: Authorization: Bearer <token> (or ?token= for media and event-stream URLs)",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        if let admin = adminTokens.admin, AccessTokens.constantTimeEqual(presented, admin) {
            return .admin
        }
        if presented.hasPrefix(ViewerTokenSigner.prefix) {
            switch viewerTokens.check(presented) {
            case .valid(let viewer):
                guard readOnly else {
                    throw await refuse(request, .forbidden, "a viewer token only reads; act with your organisation's token", actor: viewer)
                }
                switch viewer {
                case .admin: return .admin
                case .organisation(let id): return .organisation(id)
                }
            case .expired:
                throw APIError(.unauthorized, "this viewer token has expired; fetch a fresh URL", headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
            case .invalid:
                throw await refuse(request, .forbidden, "this token is not valid here", actor: nil)
            }
        }
        if let organisation = await organisationTokens.organisation(presenting: presented) {
            return .organisation(organisation)
        }
        throw await refuse(request, .forbidden, "this token is not valid here (unknown or revoked)", actor: nil)
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
