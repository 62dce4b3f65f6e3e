/// A participant takes part (may publish its own hall camera, may be handed command); an observer
/// only watches.
public enum ParticipantRole: String, Sendable, Hashable, Codable, CaseIterable {
    case participant
    case observer
}
