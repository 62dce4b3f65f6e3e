import PathRules

/// An organisation as the domain sees it: a command centre (city, county, township) or a
/// department. The registry owns the real records; this is the projection joint reporting needs.
public struct Organisation: Sendable, Hashable, Codable {
    /// Stable identifier, e.g. `520602001` for a township or `520600-water` for a department.
    public var id: String
    public var name: String
    public var level: OrganisationLevel
    /// Administrative code of the area the organisation answers for: 6 digits for city and county
    /// (`520600`, `520602`), 9 for a township (`520602001`). A department carries the code of the
    /// government it belongs to, but its level gives it no jurisdiction over that area.
    public var areaCode: String

    public init(id: String, name: String, level: OrganisationLevel, areaCode: String) {
        self.id = id
        self.name = name
        self.level = level
        self.areaCode = areaCode
    }

    /// Whether the area identified by `code` (a county, township or village code) lies inside this
    /// organisation's jurisdiction: PathRules' `Jurisdiction`, the one rule.
    public func jurisdictionContains(areaCode code: String) -> Bool {
        jurisdiction.contains(areaCode: code)
    }

    public var jurisdiction: Jurisdiction {
        Jurisdiction(level: level.jurisdictionLevel, areaCode: areaCode)
    }
}

extension OrganisationLevel {
    var jurisdictionLevel: Jurisdiction.Level {
        switch self {
        case .city: .city
        case .county: .county
        case .township: .township
        case .department: .department
        }
    }
}
