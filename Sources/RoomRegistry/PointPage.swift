/// A page of points; `nextCursor` is nil on the last page.
public struct PointPage: Encodable, Sendable, Hashable {
    public var points: [Point]
    public var nextCursor: String?

    public init(points: [Point], nextCursor: String?) {
        self.points = points
        self.nextCursor = nextCursor
    }

    private enum CodingKeys: String, CodingKey {
        case points, nextCursor
    }

    /// `nextCursor` written as `null` on the last page, as the room list does.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(points, forKey: .points)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
