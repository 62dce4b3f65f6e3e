/// Which command levels an incident's grade brings into its joint session.
///
/// Default (issue 4): grade III brings the county hall of the incident's county; grades II and I
/// bring the city hall too. IV brings nobody: the township handles it and invites as it sees fit.
/// Escalating across several grades at once (IV → I) brings the union of every grade passed.
public struct EscalationRules: Sendable, Hashable, Codable {
    public var invites: [IncidentGrade: Set<OrganisationLevel>]

    public init(invites: [IncidentGrade: Set<OrganisationLevel>]) {
        self.invites = invites
    }

    public static let `default` = EscalationRules(invites: [
        .iv: [],
        .iii: [.county],
        .ii: [.county, .city],
        .i: [.county, .city],
    ])

    /// Levels to invite when the grade rises from `from` (exclusive) to `to` (inclusive); with
    /// `from == nil`, every grade up to `to` (used when a session opens on a graver incident).
    /// Ordered senior-last (county before city) so invitations appear in the record in chain order.
    public func levels(raisingFrom from: IncidentGrade?, to: IncidentGrade) -> [OrganisationLevel] {
        var levels = Set<OrganisationLevel>()
        for grade in IncidentGrade.allCases where grade <= to && (from.map { grade > $0 } ?? true) {
            levels.formUnion(invites[grade] ?? [])
        }
        return levels.sorted { ($0.commandRank ?? 0, $0.rawValue) < ($1.commandRank ?? 0, $1.rawValue) }
    }

    /// Departments are not command centres and cannot be found by area, so a rule naming them is
    /// a configuration mistake, refused when the configuration is loaded.
    public func validated() throws(ReportingError) -> EscalationRules {
        for (grade, levels) in invites where levels.contains(.department) {
            throw .invalid("escalation rule for grade \(grade.rawValue) names 'department'; only city, county and township halls can be invited by grade")
        }
        return self
    }
}
