/// A point found by `Registry.points(near:)`, with its great-circle distance from the place asked
/// about. Encodes flat: the point's fields and `distanceKm` side by side.
public struct NearbyPoint: Encodable, Sendable, Hashable {
    public var point: Point
    /// Haversine distance on a sphere of the Earth's mean radius, in kilometres.
    public var distanceKm: Double

    public init(point: Point, distanceKm: Double) {
        self.point = point
        self.distanceKm = distanceKm
    }

    private enum CodingKeys: String, CodingKey {
        case distanceKm
    }

    public func encode(to encoder: any Encoder) throws {
        try point.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        // Metres are plenty: the coordinates themselves are rarely better than that.
        try container.encode((distanceKm * 1000).rounded() / 1000, forKey: .distanceKm)
    }
}
