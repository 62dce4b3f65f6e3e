/// A joint session is open until its host closes it; a closed session is read-only evidence.
public enum SessionState: String, Sendable, Hashable, Codable, CaseIterable {
    case open
    case closed
}
