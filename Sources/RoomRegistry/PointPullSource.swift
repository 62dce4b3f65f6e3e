/// What the puller needs to open a point's stream, credentials decrypted. Internal to the server:
/// not `Codable`, and its description leaves the password out, so it cannot end up in an answer
/// or a log line by accident.
public struct PointPullSource: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var id: String
    public var kind: PointSourceKind
    public var url: String
    public var transport: PointTransport
    public var credentials: PointCredentials?
    public var enabled: Bool

    public var username: String? { credentials?.username }
    public var password: String? { credentials?.password }

    public var description: String {
        "point/\(id) \(kind.rawValue) \(url) over \(transport.rawValue)" + (credentials == nil ? "" : " (with credentials)")
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["description": description], displayStyle: .struct) }
}
