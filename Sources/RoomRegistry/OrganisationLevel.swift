/// What kind of organisation a command hall or department is.
public enum OrganisationLevel: String, Codable, Sendable, CaseIterable {
    case city, county, township, department
}
