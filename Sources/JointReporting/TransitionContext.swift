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

    public init(directory: any OrganisationDirectory, catalog: any FeedCatalog, rules: EscalationRules, incident: Incident, now: Date) {
        self.directory = directory
        self.catalog = catalog
        self.rules = rules
        self.incident = incident
        self.now = now
    }
}
