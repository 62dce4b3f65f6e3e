/// Who answers for which area: the one jurisdiction rule, used for viewing media, listing the
/// registry, opening incidents and taking command.
///
/// Administrative codes nest by prefix (6 digits county, +3 township, +3 village). A city's own
/// code ends in `00`, so its counties share its first four digits (`520600` covers `5206xx…`). A
/// department (water, forestry, fire) has no jurisdiction of its own: it sees what the sessions it
/// takes part in carry.
public struct Jurisdiction: Sendable, Hashable {
    public enum Level: String, Sendable, Hashable, CaseIterable {
        case city, county, township, department
    }

    public let level: Level
    /// The organisation's own area code (`520600`, `520602`, `520602001`).
    public let areaCode: String

    public init(level: Level, areaCode: String) {
        self.level = level
        self.areaCode = areaCode
    }

    /// The prefix every code inside the jurisdiction starts with; nil for none (a department).
    public var prefix: String? {
        switch level {
        case .city: String(areaCode.prefix(4))
        case .county, .township: areaCode
        case .department: nil
        }
    }

    /// Whether the area (county, township or village code) lies inside.
    public func contains(areaCode code: String) -> Bool {
        guard let prefix, !code.isEmpty else { return false }
        return code.hasPrefix(prefix)
    }
}
