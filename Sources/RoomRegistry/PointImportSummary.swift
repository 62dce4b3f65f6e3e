/// What a points CSV import changed.
public struct PointImportSummary: Codable, Sendable, Hashable {
    public var pointsAdded = 0
    public var pointsUpdated = 0
    public var pointsUnchanged = 0
    /// Rows that carried a username and password (stored encrypted).
    public var credentialsStored = 0

    public init() {}
}
