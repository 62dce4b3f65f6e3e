/// What a CSV import changed.
public struct ImportSummary: Codable, Sendable, Hashable {
    public var areasAdded = 0
    public var areasUpdated = 0
    public var roomsAdded = 0
    public var roomsUpdated = 0
    public var organisationsAdded = 0
    public var keysCreated = 0

    public init() {}
}
