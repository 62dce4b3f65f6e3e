/// Where an organisation stands in the four-level network (city, county, township; villages are
/// rooms, not organisations). Departments (water, forestry, fire, ...) stand outside the chain of
/// command: they have no area of their own and see feeds only through sessions.
public enum OrganisationLevel: String, Sendable, Hashable, Codable, CaseIterable {
    case city
    case county
    case township
    case department

    /// Rank in the chain of command, higher is senior; `nil` for departments, which are not in it.
    public var commandRank: Int? {
        switch self {
        case .city: 3
        case .county: 2
        case .township: 1
        case .department: nil
        }
    }

    /// Whether this level is senior to `other` in the chain of command. Departments are never
    /// senior nor junior to anyone.
    public func isSenior(to other: OrganisationLevel) -> Bool {
        guard let mine = commandRank, let theirs = other.commandRank else { return false }
        return mine > theirs
    }
}
