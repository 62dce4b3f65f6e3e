import JointReporting

/// Who made a request to the joint-reporting API or the media routes, once authenticated.
public enum Caller: Sendable, Hashable, CustomStringConvertible {
    /// The gateway's administrator: reads everything, acts for no organisation.
    case admin
    /// An organisation (command hall or department), by its organisation token or a viewer token.
    case organisation(String)

    /// The same caller as the domain's reads know it.
    public var viewer: Viewer {
        switch self {
        case .admin: .admin
        case .organisation(let id): .organisation(id)
        }
    }

    public var description: String {
        switch self {
        case .admin: "admin"
        case .organisation(let id): id
        }
    }
}
