import Foundation
import JointReporting
import PathRules
import Recording

/// Who may play recorded video back, and which times of it: as live (`lab/*` open, the admin,
/// an organisation whose jurisdiction covers the path: all of it), plus an organisation that took
/// part in a joint session, for the times it could see the session's feed live — the feed's attach
/// span (with its backfill) while the organisation had joined — for as long as the video exists.
enum PlaybackScope: Sendable, Equatable {
    case all
    case spans([ClosedRange<Date>])

    func allows(_ from: Date, _ to: Date) -> Bool {
        switch self {
        case .all: true
        case .spans(let spans): spans.contains { $0.lowerBound < to && $0.upperBound > from }
        }
    }
}

struct PlaybackAccess: Sendable {
    let reporting: ReportingContext

    /// Throws 401/403 as live does; otherwise the scope of what `caller` may play of `path`.
    func scope(_ caller: Caller?, path: MediaPath, index: any RecordingIndex, now: Date) async throws -> PlaybackScope {
        if path.kind == .lab { return .all }
        guard let caller else { throw APIError(.unauthorized, "a token is needed to play back \(path)") }
        guard case .organisation(let org) = caller else { return .all }
        if let source = try? SourcePath(parsing: path.description), reporting.coordinator.directory.jurisdiction(of: org, contains: source) {
            return .all
        }
        let links = try await RecordingController.offLoop { try index.links(path: path.description, incidentID: nil, sessionID: nil) }
        var spans: [ClosedRange<Date>] = []
        for link in links {
            guard let events = try? await reporting.coordinator.events(ofSession: link.sessionID, as: .admin) else { continue }
            let attach = link.from...(link.to ?? now)
            for joined in Self.participation(of: org, in: events, now: now) where joined.overlaps(attach) {
                spans.append(max(joined.lowerBound, attach.lowerBound)...min(joined.upperBound, attach.upperBound))
            }
        }
        guard !spans.isEmpty else {
            throw APIError(.forbidden, "\(org) may not play back \(path): it is outside its jurisdiction and it took part in no session that carried it")
        }
        return .spans(spans)
    }

    /// When `org` had joined the session: from its creation (the host) or a join, to a leave, a
    /// removal or the close.
    static func participation(of org: String, in events: [AuditEvent], now: Date) -> [ClosedRange<Date>] {
        var spans: [ClosedRange<Date>] = []
        var since: Date?
        for event in events.sorted(by: { $0.seq < $1.seq }) {
            switch event.kind {
            case .sessionCreated where event.actor == org, .joined where event.actor == org:
                if since == nil { since = event.at }
            case .left where event.actor == org:
                if let start = since { spans.append(start...max(start, event.at)); since = nil }
            case .removed where event.detail["org"] == .string(org):
                if let start = since { spans.append(start...max(start, event.at)); since = nil }
            case .closed:
                if let start = since { spans.append(start...max(start, event.at)); since = nil }
            default:
                break
            }
        }
        if let start = since { spans.append(start...max(start, now)) }
        return spans
    }
}
