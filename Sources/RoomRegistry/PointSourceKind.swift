/// How the gateway reaches a point's video. Only RTSP today; GB/T 28181 (issue 12) becomes a
/// second case here, with its own source fields, rather than a second kind of point.
public enum PointSourceKind: String, Codable, Sendable, CaseIterable {
    case rtsp

    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
