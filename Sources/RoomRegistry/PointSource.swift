/// Where a point's video comes from, as the registry shows it. The username and password are
/// write-only: they are stored encrypted and this type only says whether there are any.
public struct PointSource: Codable, Sendable, Hashable {
    public var kind: PointSourceKind
    /// `rtsp://` or `rtsps://` with a host; never carries credentials (they are refused in it).
    public var url: String
    public var transport: PointTransport
    public var hasCredentials: Bool

    public init(kind: PointSourceKind, url: String, transport: PointTransport, hasCredentials: Bool) {
        self.kind = kind
        self.url = url
        self.transport = transport
        self.hasCredentials = hasCredentials
    }
}
