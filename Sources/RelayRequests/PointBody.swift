/// `POST /api/v1/points`: a surveillance point to register. The enumerated fields are text: the
/// registry refuses a bad one naming the field. `source.username` and `source.password` are
/// write-only; no description of these types shows them.
public struct PointBody: Decodable, Sendable, CustomStringConvertible {
    public struct Source: Decodable, Sendable, CustomStringConvertible {
        /// `rtsp` (the default).
        public var kind: String?
        public var url: String
        /// `tcp` (the default) or `udp`.
        public var transport: String?
        public var username: String?
        public var password: String?

        public var description: String { "Source(kind: \(kind ?? "-"), transport: \(transport ?? "-"))" }
    }

    public var id: String
    public var name: String
    public var network: String
    public var areaCode: String
    /// WGS-84 degrees.
    public var latitude: Double
    public var longitude: Double
    public var source: Source
    /// Default true.
    public var enabled: Bool?

    public var description: String { "PointBody(\(id))" }
}

/// `PATCH /api/v1/points/{id}`: the fields to change; absent fields stay. In `source`, absent
/// `username` and `password` keep the stored credentials; `"username": ""` clears them.
public struct PointPatchBody: Decodable, Sendable, CustomStringConvertible {
    public struct Source: Decodable, Sendable, CustomStringConvertible {
        public var kind: String?
        public var url: String?
        public var transport: String?
        public var username: String?
        public var password: String?

        public var description: String { "Source(kind: \(kind ?? "-"), transport: \(transport ?? "-"))" }
    }

    public var name: String?
    public var network: String?
    public var areaCode: String?
    public var latitude: Double?
    public var longitude: Double?
    public var source: Source?
    public var enabled: Bool?

    public var description: String { "PointPatchBody" }
}
