/// `GET /api/v1/points?near=LAT,LON&radiusKm=R&limit=N`: the points within `radiusKm` of a
/// WGS-84 place, nearest first; optionally only those of a county, township or network.
public struct PointNearQuery: Sendable, Hashable {
    public static let defaultRadiusKm = 5.0
    public static let maximumRadiusKm = 100.0
    public static let defaultLimit = 50
    public static let maximumLimit = 200

    public var latitude: Double
    public var longitude: Double
    /// More than 0, at most 100.
    public var radiusKm: Double
    /// 1...200.
    public var limit: Int
    public var county: String?
    public var township: String?
    public var network: String?

    public init(latitude: Double, longitude: Double, radiusKm: Double = PointNearQuery.defaultRadiusKm,
                limit: Int = PointNearQuery.defaultLimit, county: String? = nil, township: String? = nil, network: String? = nil) {
        self.latitude = latitude
        self.longitude = longitude
        self.radiusKm = radiusKm
        self.limit = limit
        self.county = county
        self.township = township
        self.network = network
    }
}
