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
    /// organisation's jurisdiction.
    ///
    /// Administrative codes nest by prefix (DOMAIN.md: 6 digits county, +3 township, +3 village).
    /// A city's own code ends in `00`, so its counties share its first four digits (`5206xx`).
    public func jurisdictionContains(areaCode code: String) -> Bool {
        switch level {
        case .city:
            return code.hasPrefix(String(areaCode.prefix(4)))
        case .county, .township:
            return code.hasPrefix(areaCode)
        case .department:
            return false
        }
    }
}
