/// An administrative area: the city, a county, a township or a village.
public struct Area: Codable, Sendable, Hashable {
    public var code: String
    public var name: String
    public var level: AreaLevel
    /// Code of the area one level up; nil for the city.
    public var parentCode: String?
    /// True for made-up demo or test data.
    public var synthetic: Bool

    public init(code: String, name: String, level: AreaLevel, parentCode: String?, synthetic: Bool) {
        self.code = code
        self.name = name
        self.level = level
        self.parentCode = parentCode
        self.synthetic = synthetic
    }
}
