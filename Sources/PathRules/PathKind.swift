/// The kinds of live path, by the first part of the path (`<kind>/<id>`), each with the rule its
/// id follows. A new kind (the surveillance points' `point/<id>`, GB/T 28181 channels as
/// `point/<device>-<channel>`) is one case here with its rule, and every entry point knows it.
public enum PathKind: String, Sendable, CaseIterable, Comparable {
    /// `lab/<name>`: open ingest, for the lab (`--open-ingest`); not a registered source.
    case lab
    /// `room/<12-digit village code>`: a village emergency video room.
    case room
    /// `cam/<device id>`: a registered device such as a body camera.
    case cam
    /// `hall/<organisation id>`: a command hall's own camera.
    case hall
    /// `point/<point id>`: a surveillance point (天网, 雪亮, 智慧乡村 camera) the gateway pulls on
    /// demand (RTSP now, GB/T 28181 later); it never publishes to the gateway.
    case point

    /// The rule the id after `<kind>/` follows.
    public var idRule: IdentifierRule {
        switch self {
        case .lab: .labName
        case .room: .villageCode
        case .cam: .deviceID
        case .hall: .organisationID
        case .point: .pointID
        }
    }

    /// Whether a source of this kind may publish over SRT. A point is pulled by the gateway, so an
    /// SRT publisher naming `point/…` is refused (1403), whether or not the point exists.
    public var isPublishable: Bool { self != .point }

    /// Whether the registry holds sources of this kind (with keys and owners); lab paths are not.
    public var isRegistered: Bool { self != .lab }

    public static func < (lhs: PathKind, rhs: PathKind) -> Bool { lhs.rawValue < rhs.rawValue }
}
