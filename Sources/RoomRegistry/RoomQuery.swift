/// Filters of `GET /api/v1/rooms?county=&township=&status=&q=&limit=&cursor=`.
public struct RoomQuery: Sendable, Hashable {
    public static let defaultLimit = 50
    public static let maximumLimit = 500

    /// 6-digit county code.
    public var county: String?
    /// 9-digit township code.
    public var township: String?
    public var status: SourceStatus?
    /// Substring of a room name or code. Matched literally: `%`, `_` and quotes have no special meaning.
    public var q: String?
    /// 1...500; larger values are clamped to 500.
    public var limit: Int
    /// Opaque cursor from a previous page's `nextCursor`.
    public var cursor: String?

    public init(county: String? = nil, township: String? = nil, status: SourceStatus? = nil, q: String? = nil,
                limit: Int = RoomQuery.defaultLimit, cursor: String? = nil) {
        self.county = county
        self.township = township
        self.status = status
        self.q = q
        self.limit = limit
        self.cursor = cursor
    }
}
