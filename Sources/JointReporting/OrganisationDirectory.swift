/// The organisations joint reporting needs to know about, declared here and implemented by the
/// registry (and by `StaticOrganisationDirectory` in tests).
///
/// Implementations must answer from memory: `SessionCoordinator.canView(org:path:)` consults the
/// directory on every HLS playlist, segment and part, so a storage read per call is not acceptable.
public protocol OrganisationDirectory: Sendable {
    /// The organisation with this id, or `nil` if none is registered.
    func organisation(id: String) -> Organisation?

    /// The id of the organisation that owns the device (body camera) with this id.
    func deviceOwner(deviceId: String) -> String?

    /// The command centre of `level` whose jurisdiction contains `areaCode`, e.g. the county hall
    /// of a village. Escalation uses this to find whom to invite.
    func commandCentre(level: OrganisationLevel, containing areaCode: String) -> Organisation?

    /// Whether `org`'s jurisdiction contains `path`. Has a default implementation (below) that a
    /// registry may replace with an indexed one.
    func jurisdiction(of org: String, contains path: SourcePath) -> Bool

    /// A source's name for people (a village room's, a body camera's, a hall's organisation's),
    /// nil when unknown: responses carry it beside the code so that consoles show names. Has a
    /// default implementation that knows only halls.
    func displayName(of path: SourcePath) async -> String?

    /// An area's name (a village's, a township's), nil when unknown.
    func areaName(_ code: String) async -> String?
}

extension OrganisationDirectory {
    public func displayName(of path: SourcePath) async -> String? {
        if case .hall(let org) = path { return organisation(id: org)?.name }
        return nil
    }

    public func areaName(_ code: String) async -> String? { nil }

    /// An organisation's name, nil when unknown.
    public func name(ofOrganisation id: String) -> String? {
        organisation(id: id)?.name
    }

    /// The area a source belongs to: a room its village; a camera its owner's area; a hall its
    /// organisation's area. `nil` when the owner is unknown.
    public func areaCode(of path: SourcePath) -> String? {
        switch path {
        case .room(let code):
            return code
        case .camera(let device):
            return deviceOwner(deviceId: device).flatMap { organisation(id: $0) }?.areaCode
        case .hall(let org):
            return organisation(id: org)?.areaCode
        }
    }

    /// The organisation a source belongs to as property (its own hall, its own devices); rooms
    /// belong to their area, not to an organisation.
    public func owner(of path: SourcePath) -> String? {
        switch path {
        case .room: nil
        case .camera(let device): deviceOwner(deviceId: device)
        case .hall(let org): org
        }
    }

    /// Default rule: an organisation always sees its own sources (its hall, its devices, so that a
    /// department sees its own hall although it has no area); otherwise a source is inside its
    /// jurisdiction when the source's area is (`room/<code>`: township = `code.prefix(9)`,
    /// county = `code.prefix(6)`, city = all of the city).
    public func jurisdiction(of org: String, contains path: SourcePath) -> Bool {
        guard let organisation = organisation(id: org) else { return false }
        if owner(of: path) == org { return true }
        guard let area = areaCode(of: path) else { return false }
        return organisation.jurisdictionContains(areaCode: area)
    }

    /// Whether `org`'s jurisdiction contains the area `code` (a village or township code).
    public func jurisdiction(of org: String, containsArea code: String) -> Bool {
        organisation(id: org)?.jurisdictionContains(areaCode: code) ?? false
    }
}
