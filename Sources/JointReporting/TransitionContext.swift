import Foundation

/// Everything a session transition needs besides the session itself. Passed in explicitly so the
/// state machine stays a pure function: same inputs, same outcome, no clock or storage inside.
public struct TransitionContext: Sendable {
    public var directory: any OrganisationDirectory
    public var catalog: any FeedCatalog
    public var rules: EscalationRules
    /// The session's incident as it stands now (escalation reads and raises its grade).
    public var incident: Incident
    public var now: Date
    /// The host of the incident's open session, if it has one: it may report on the incident
    /// (`JointSession.permitReport`), also as seen from another, closed session of it.
    public var openSessionHost: String?

    public init(directory: any OrganisationDirectory, catalog: any FeedCatalog, rules: EscalationRules, incident: Incident, now: Date,
                openSessionHost: String? = nil) {
        self.directory = directory
        self.catalog = catalog
        self.rules = rules
        self.incident = incident
        self.now = now
        self.openSessionHost = openSessionHost
    }
}
