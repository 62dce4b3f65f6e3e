/// Filters of `GET /api/v1/points?county=&township=&network=&q=&limit=&cursor=`. Points come in
/// area-code order, then id order (the index `point_area`), so a county or township is one range.
public struct PointQuery: Sendable, Hashable {
    public static let defaultLimit = 50
    public static let maximumLimit = 500

    /// 6-digit county code.
    public var county: String?
    /// 9-digit township code.
    public var township: String?
    /// `skynet`, `sharp-eyes`, `smart-village` or `other`.
    public var network: String?
    /// Substring of a point's id or name, matched literally.
    public var q: String?
    /// 1...500; larger values are clamped to 500.
    public var limit: Int
    /// Opaque cursor from a previous page's `nextCursor`.
    public var cursor: String?

    public init(county: String? = nil, township: String? = nil, network: String? = nil, q: String? = nil,
                limit: Int = PointQuery.defaultLimit, cursor: String? = nil) {
        self.county = county
        self.township = township
        self.network = network
        self.q = q
        self.limit = limit
        self.cursor = cursor
    }
}
