/// A command hall (city, county, township) or a department; each may publish its own camera
/// as `hall/<id>`.
public struct Organisation: Codable, Sendable, Hashable {
    /// `520600`, a 6-digit county code, a 9-digit township code, or `520600-water` style.
    public var id: String
    public var name: String
    public var level: OrganisationLevel
    /// The area whose jurisdiction this organisation has.
    public var areaCode: String
    public var synthetic: Bool

    public init(id: String, name: String, level: OrganisationLevel, areaCode: String, synthetic: Bool) {
        self.id = id
        self.name = name
        self.level = level
        self.areaCode = areaCode
        self.synthetic = synthetic
    }
}
