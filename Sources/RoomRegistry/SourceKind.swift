import PathRules

/// The registered kinds of SRT source. `lab/` paths are not registered and have no kind here.
public enum SourceKind: String, Codable, Sendable, CaseIterable {
    /// A village emergency video room: `room/<12-digit code>`.
    case room
    /// A device such as a body camera: `cam/<device id>`.
    case device
    /// A command hall's own camera: `hall/<organisation id>`.
    case hall

    /// The first path component used for this kind.
    public var pathPrefix: String {
        switch self {
        case .room: return "room"
        case .device: return "cam"
        case .hall: return "hall"
        }
    }
}

extension SourceKind {
    /// The registry's kind of a path kind; nil for `lab/` (not registered).
    public init?(_ kind: PathKind) {
        switch kind {
        case .room: self = .room
        case .cam: self = .device
        case .hall: self = .hall
        // Points are pulled by the gateway: no SRT key, no admission entry (see `AdmissionIndex.areaCode(path:)`).
        case .lab, .point: return nil
        }
    }

    /// The path kind of this registry kind.
    public var pathKind: PathKind {
        switch self {
        case .room: .room
        case .device: .cam
        case .hall: .hall
        }
    }
}
