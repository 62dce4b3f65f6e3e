import Foundation

/// A video joint-reporting session (视频联报): one incident, a host command centre, the feeds it
/// carries and the organisations taking part.
///
/// Values of this type are snapshots; transitions live in `JointSession+Transitions.swift` and
/// are applied by `SessionCoordinator`, which records every one of them.
public struct JointSession: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var incidentId: String
    public var state: SessionState
    /// The organisation in command. Changes only by handover.
    public var host: String
    /// In order of first appearance; the founding host first.
    public var participants: [SessionParticipant]
    /// In order of attachment.
    public var feeds: [SessionFeed]
    /// The feed under roll-call, always one of `feeds`.
    public var focus: SourcePath?
    public var createdAt: Date
    public var closedAt: Date?

    public init(
        id: String, incidentId: String, state: SessionState = .open, host: String,
        participants: [SessionParticipant], feeds: [SessionFeed] = [], focus: SourcePath? = nil,
        createdAt: Date, closedAt: Date? = nil
    ) {
        self.id = id
        self.incidentId = incidentId
        self.state = state
        self.host = host
        self.participants = participants
        self.feeds = feeds
        self.focus = focus
        self.createdAt = createdAt
        self.closedAt = closedAt
    }

    public func participant(_ org: String) -> SessionParticipant? {
        participants.first { $0.org == org }
    }

    public func isAttached(_ path: SourcePath) -> Bool {
        feeds.contains { $0.path == path }
    }

    /// Organisations that may watch this session's feeds right now: joined participants and
    /// observers of an open session. Invited organisations see nothing until they join.
    public var viewers: Set<String> {
        guard state == .open else { return [] }
        return Set(participants.filter { $0.state == .joined }.map(\.org))
    }

    /// What this session grants beyond jurisdiction: every attached feed to every viewer.
    public var viewingGrants: [SourcePath: Set<String>] {
        let viewers = self.viewers
        guard !viewers.isEmpty else { return [:] }
        return Dictionary(feeds.map { ($0.path, viewers) }, uniquingKeysWith: { a, _ in a })
    }
}
