import Foundation

/// When reports fall due, measured from the incident's creation or its latest report.
///
/// Defaults, chosen from DOMAIN.md ("phone within 20 min, written within 40 min") and common
/// township practice, to be tuned per locality in configuration:
/// - first report: 20 minutes after the incident is opened (the phone-report deadline; the written
///   follow-up rhythm then takes over);
/// - follow-ups: one at most 60 minutes after the latest report while the incident is being
///   handled, so the halls are never more than an hour behind the scene;
/// - final report: within 24 hours of opening. An incident that is still being handled then shows
///   overdue, which is the point: someone must either close it or say why not.
public struct ReportingDeadlines: Sendable, Hashable, Codable {
    public var firstReportWithin: TimeInterval
    public var followUpEvery: TimeInterval
    public var finalReportWithin: TimeInterval

    public init(
        firstReportWithin: TimeInterval = 20 * 60,
        followUpEvery: TimeInterval = 60 * 60,
        finalReportWithin: TimeInterval = 24 * 60 * 60
    ) {
        self.firstReportWithin = firstReportWithin
        self.followUpEvery = followUpEvery
        self.finalReportWithin = finalReportWithin
    }

    public static let `default` = ReportingDeadlines()

    /// Refuses non-positive intervals, which would make every incident overdue at birth.
    public func validated() throws(ReportingError) -> ReportingDeadlines {
        for (name, value) in [("firstReportWithin", firstReportWithin), ("followUpEvery", followUpEvery),
                              ("finalReportWithin", finalReportWithin)] where !(value > 0) {
            throw .invalid("reporting deadline \(name) must be a positive number of seconds, got \(value)")
        }
        return self
    }
}
