import Foundation
import Hummingbird
import JointReporting
import StreamHub

/// Who may read media, by the rules of joint reporting (issue 4): `lab/*` is open (it exists
/// only with open ingest); the admin sees everything; an organisation sees a source inside its
/// jurisdiction, or one carried by an open session it has joined.
///
/// Every playlist, segment and part is checked against the coordinator's in-memory index (one
/// dictionary look-up under a lock, no database), so access removed by a close or a removal ends
/// with the very next request. Playlist requests also record the first view of a feed per
/// organisation and session, and hand out a fresh viewer token for the URIs they list.
public struct MediaAccess: Sendable {
    public let context: ReportingContext
    /// A player refused on every reload is recorded once a minute per organisation and path.
    private let refusals = RefusalThrottle(window: .seconds(60))

    public init(context: ReportingContext) {
        self.context = context
    }

    /// Throws an `APIError` (401 without a token, 403 for one that may not) or returns what the
    /// playlist must carry on the URIs it lists. Answers from memory.
    public func authorizeRead(_ request: Request, _ requestContext: RelayRequestContext, path: PathName) async throws -> MediaGrant {
        if path.kind == .lab {
            return MediaGrant(uriToken: request.uri.queryParameters.get("token"))
        }
        let caller = try await context.caller(request, requestContext, readOnly: true)
        let isPlaylist = request.uri.path.hasSuffix(".m3u8")
        let name = path.description
        switch caller {
        case .admin:
            return MediaGrant(uriToken: isPlaylist ? context.viewerTokens.issue(for: .admin) : nil, requester: "admin")
        case .organisation(let org):
            guard await pointInJurisdiction(org: org, path: path) || context.coordinator.canView(org: org, path: name) else {
                let message = "\(org) may not watch \(name): it is outside its jurisdiction and no open session it has joined carries it"
                if isPlaylist, refusals.shouldRecord("\(org)|\(name)") {
                    await context.coordinator.recordRefusal(
                        ReportingError(.forbidden, message), command: AuditKind.feedViewed.rawValue, actor: org,
                        arguments: ["path": .string(name)])
                }
                throw APIError(.forbidden, message)
            }
            guard isPlaylist else { return MediaGrant(requester: org) }
            context.presence.watching(org, path: name)
            do {
                try await context.coordinator.recordView(org: org, path: name)
            } catch where error.code == .forbidden {
                // Access ended between the check and the record (a close, a removal).
                throw APIError(.forbidden, error.message)
            } catch {
                // The record could not be written: the hall still sees the scene (an emergency
                // feed is not withheld for a storage fault); the coordinator has logged nothing
                // half-applied, and the next playlist request tries to record the view again.
            }
            return MediaGrant(uriToken: context.viewerTokens.issue(for: .organisation(org)), requester: org)
        }
    }
}

/// The outcome of a successful check.
extension MediaAccess {
    /// A surveillance point is watched, as a room is, by organisations whose jurisdiction covers
    /// its area code (the registry's, not the id's digits). Sessions do not carry points yet.
    func pointInJurisdiction(org: String, path: PathName) async -> Bool {
        guard path.kind == .point, let pointArea = context.pointArea, let area = await pointArea(path.id),
              let organisation = context.coordinator.directory.organisation(id: org) else { return false }
        return organisation.jurisdictionContains(areaCode: area)
    }
}

public struct MediaGrant: Sendable, Equatable {
    /// A token to append (`?token=`) to every URI a playlist lists, for clients that cannot send
    /// headers (`<video>`, `EventSource`); nil when none is needed.
    public var uriToken: String?
    /// Who asked (`admin`, an organisation id, `lab`): whom an on-demand pull is counted against.
    public var requester: String

    public init(uriToken: String? = nil, requester: String = "lab") {
        self.uriToken = uriToken
        self.requester = requester
    }
}
