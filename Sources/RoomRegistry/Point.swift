import Foundation

/// A surveillance point (天网, 雪亮 or 智慧乡村 camera): a registered source the gateway pulls on
/// demand, `point/<id>`. Its jurisdiction comes from `areaCode` (a county, township or village),
/// never from the digits of its id.
public struct Point: Codable, Sendable, Hashable {
    /// The datum of `latitude` and `longitude`. Platform exports in GCJ-02 are off by hundreds of
    /// metres; they must be converted before import.
    public static let coordinateSystem = "WGS-84"

    public var id: String
    public var name: String
    public var network: PointNetwork
    /// 6 (county), 9 (township) or 12 (village) digits.
    public var areaCode: String
    public var latitude: Double
    public var longitude: Double
    public var source: PointSource
    public var enabled: Bool
    /// Made-up demo data.
    public var synthetic: Bool
    /// Filled by the puller (issue 15, part 2); always `idle` from the registry.
    public var state: PointState
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, name: String, network: PointNetwork, areaCode: String, latitude: Double, longitude: Double,
                source: PointSource, enabled: Bool, synthetic: Bool = false, state: PointState = .idle,
                createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.network = network
        self.areaCode = areaCode
        self.latitude = latitude
        self.longitude = longitude
        self.source = source
        self.enabled = enabled
        self.synthetic = synthetic
        self.state = state
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The county the area lies in (its first 6 digits).
    public var countyCode: String { AreaCode.county(of: areaCode) }
    /// The township, nil for a point registered at county level.
    public var townshipCode: String? { areaCode.utf8.count >= 9 ? AreaCode.township(of: areaCode) : nil }
    public var sourcePath: String { "point/\(id)" }

    private enum CodingKeys: String, CodingKey {
        case id, name, network, areaCode, countyCode, townshipCode, latitude, longitude, coordinateSystem
        case source, enabled, synthetic, state, createdAt, updatedAt
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try container.decode(String.self, forKey: .id), name: try container.decode(String.self, forKey: .name),
                  network: try container.decode(PointNetwork.self, forKey: .network),
                  areaCode: try container.decode(String.self, forKey: .areaCode),
                  latitude: try container.decode(Double.self, forKey: .latitude),
                  longitude: try container.decode(Double.self, forKey: .longitude),
                  source: try container.decode(PointSource.self, forKey: .source),
                  enabled: try container.decode(Bool.self, forKey: .enabled),
                  synthetic: try container.decodeIfPresent(Bool.self, forKey: .synthetic) ?? false,
                  state: try container.decodeIfPresent(PointState.self, forKey: .state) ?? .idle,
                  createdAt: try container.decode(Date.self, forKey: .createdAt),
                  updatedAt: try container.decode(Date.self, forKey: .updatedAt))
    }

    /// The API's shape: the derived county and township codes and the datum written out, and
    /// `townshipCode` as `null` (not left out) for a county-level point.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(network, forKey: .network)
        try container.encode(areaCode, forKey: .areaCode)
        try container.encode(countyCode, forKey: .countyCode)
        try container.encode(townshipCode, forKey: .townshipCode)
        try container.encode(latitude, forKey: .latitude)
        try container.encode(longitude, forKey: .longitude)
        try container.encode(Self.coordinateSystem, forKey: .coordinateSystem)
        try container.encode(source, forKey: .source)
        try container.encode(enabled, forKey: .enabled)
        try container.encode(synthetic, forKey: .synthetic)
        try container.encode(state, forKey: .state)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}
