/// A village emergency video room: a registered source with a stable identity, `room/<code>`.
public struct Room: Codable, Sendable, Hashable {
    /// 12-digit village code.
    public var code: String
    public var name: String
    /// 9-digit code of the township the village belongs to.
    public var townshipCode: String
    public var latitude: Double
    public var longitude: Double
    public var synthetic: Bool
    /// Free text for installers (camera model, uplink, power); optional.
    public var equipmentNote: String?

    public init(code: String, name: String, townshipCode: String, latitude: Double, longitude: Double,
                synthetic: Bool, equipmentNote: String?) {
        self.code = code
        self.name = name
        self.townshipCode = townshipCode
        self.latitude = latitude
        self.longitude = longitude
        self.synthetic = synthetic
        self.equipmentNote = equipmentNote
    }

    /// The county is implied by the code structure (first 6 digits).
    public var countyCode: String { AreaCode.county(of: townshipCode) }
    public var sourcePath: String { "room/\(code)" }
}
