/// The life of an organisation in a session. `invited` organisations see the session's record but
/// no feeds until they join; `left` ones may join again; `removed` ones have lost the session
/// until the host invites them again.
public enum ParticipantState: String, Sendable, Hashable, Codable, CaseIterable {
    case invited
    case joined
    case left
    case removed
}
