/// What an organisation may do to a session, by a stable name: the `actions` a caller is told in
/// `GET /api/v1/sessions/{id}`, from which the console draws its controls.
///
/// Each command of `SessionCommand` has one (`SessionCommand.action`); `report` is filing a
/// report on the session's incident (`SessionCoordinator.fileReport`). Whether an action is
/// allowed is decided by `JointSession.permit(_:by:in:)`, the same check that refuses the
/// command, so the list and the refusals cannot disagree.
public enum SessionAction: String, Sendable, Hashable, Codable, CaseIterable {
    case attach
    case detach
    case focus
    case invite
    case remove
    case join
    case leave
    case escalate
    case handover
    case close
    case report
}

extension SessionCommand {
    /// The action this command takes.
    public var action: SessionAction {
        switch self {
        case .attach: .attach
        case .detach: .detach
        case .focus: .focus
        case .invite: .invite
        case .join: .join
        case .leave: .leave
        case .remove: .remove
        case .escalate: .escalate
        case .handover: .handover
        case .close: .close
        }
    }
}
