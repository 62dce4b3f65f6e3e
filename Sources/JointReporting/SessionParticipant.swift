import Foundation

/// An organisation in a joint session. The host is a participant too (joined, role participant),
/// so that after a handover the former host simply stays where it is.
public struct SessionParticipant: Sendable, Hashable, Codable {
    public var org: String
    public var role: ParticipantRole
    public var state: ParticipantState
    /// Who invited it: an organisation id, `"escalation"` for invitations made by the grade rules,
    /// or `nil` when it joined on its own authority (or founded the session).
    public var invitedBy: String?
    /// When the state last changed.
    public var since: Date

    public init(org: String, role: ParticipantRole, state: ParticipantState, invitedBy: String?, since: Date) {
        self.org = org
        self.role = role
        self.state = state
        self.invitedBy = invitedBy
        self.since = since
    }
}
