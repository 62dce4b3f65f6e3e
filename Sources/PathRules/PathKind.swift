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

    /// The rule the id after `<kind>/` follows.
    public var idRule: IdentifierRule {
        switch self {
        case .lab: .labName
        case .room: .villageCode
        case .cam: .deviceID
        case .hall: .organisationID
        }
    }

    /// Whether the registry holds sources of this kind (with keys and owners); lab paths are not.
    public var isRegistered: Bool { self != .lab }

    public static func < (lhs: PathKind, rhs: PathKind) -> Bool { lhs.rawValue < rhs.rawValue }
}
