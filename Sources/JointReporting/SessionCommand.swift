/// A command on an existing joint session, as applied by `SessionCoordinator.perform(_:on:by:)`.
///
/// Feed paths are carried as the caller's text and parsed by the coordinator, so that a malformed
/// path is refused *and recorded* like any other refusal.
///
/// ## Who may act (the permission table)
///
/// | command    | who may                                                                              |
/// |------------|--------------------------------------------------------------------------------------|
/// | `attach`   | the host: any registered source inside its own jurisdiction (a session never lends   |
/// |            | a feed its host could not see itself); a joined participant (role participant, not   |
/// |            | observer), and the host too: its own `hall/<org>` only; no one: another org's hall   |
/// | `detach`   | the host: any feed; a joined participant (not an observer): its own hall             |
/// | `focus`    | the host                                                                             |
/// | `invite`   | the host                                                                             |
/// | `join`     | an invited organisation; an organisation whose jurisdiction contains the incident    |
/// |            | (its township, county and city halls: "on their own authority"); one that has left   |
/// | `leave`    | any joined organisation except the host (the host hands over first)                  |
/// | `remove`   | the host; never itself, never an organisation with authority over the incident's area|
/// | `escalate` | the host, or a joined participant senior to the host in the chain of command         |
/// | `handover` | the host, to a joined organisation in the incident's chain (its township, county or  |
/// |            | city hall), upward or back down                                                      |
/// | `close`    | the host                                                                             |
///
/// The table is written once, as `JointSession.permit(_:by:in:)`: `applying` asks it first, and
/// `actions(for:in:)` asks it to tell each caller what it may do (`SessionAction`).
///
/// Everything is refused on a closed session (`conflict`); reads stay allowed. An organisation
/// that may not see the session at all is told it does not exist (`notFound`).
public enum SessionCommand: Sendable, Hashable {
    case attach(path: String)
    case detach(path: String)
    /// `nil` clears the focus.
    case focus(path: String?)
    case invite(org: String, role: ParticipantRole)
    case join
    case leave
    case remove(org: String)
    case escalate(to: IncidentGrade)
    case handover(to: String, note: String)
    case close

    /// The event kind a successful command records.
    public var auditKind: AuditKind {
        switch self {
        case .attach: .feedAttached
        case .detach: .feedDetached
        case .focus: .focusChanged
        case .invite: .invited
        case .join: .joined
        case .leave: .left
        case .remove: .removed
        case .escalate: .escalated
        case .handover: .handedOver
        case .close: .closed
        }
    }

    /// The command's name and arguments as the record keeps them (also for refusals).
    public var auditArguments: [String: AuditValue] {
        switch self {
        case .attach(let path), .detach(let path): ["path": .string(String(path.prefix(200)))]
        case .focus(let path): ["path": AuditValue(path.map { String($0.prefix(200)) })]
        case .invite(let org, let role): ["org": .string(String(org.prefix(200))), "role": .string(role.rawValue)]
        case .join, .leave, .close: [:]
        case .remove(let org): ["org": .string(String(org.prefix(200)))]
        case .escalate(let grade): ["grade": .string(grade.rawValue)]
        case .handover(let to, let note): ["to": .string(String(to.prefix(200))), "note": .string(String(note.prefix(JointSession.maximumNoteLength)))]
        }
    }
}
