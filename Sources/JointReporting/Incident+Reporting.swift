import Foundation

extension Incident {
    /// Longest report text accepted; a report is prose for a duty officer, not a file upload.
    public static let maximumReportLength = 20_000

    /// The report that filing a report of `kind` now would create, or why it may not be filed.
    ///
    /// Rules: the first report comes first and only once; follow-ups come after the first and are
    /// numbered 1, 2, ... in filing order; the final report comes last and closes reporting.
    public func nextReport(_ kind: ReportStageKind, text: String, author: String, at: Date) throws(ReportingError) -> IncidentReport {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .invalid("a report needs some text") }
        guard text.count <= Self.maximumReportLength else {
            throw .invalid("a report is at most \(Self.maximumReportLength) characters, got \(text.count)")
        }
        if hasFinalReport {
            throw .conflict("incident \(id) already has its final report; reporting is closed", .reportingClosed)
        }
        let hasFirst = reports.contains { $0.stage == .first }
        switch kind {
        case .first:
            guard !hasFirst else { throw .conflict("incident \(id) already has its first report; file a follow-up instead", .reportOutOfOrder) }
            return IncidentReport(stage: .first, text: text, author: author, filedAt: at)
        case .followup:
            guard hasFirst else { throw .conflict("incident \(id) has no first report yet; the first report comes before follow-ups", .reportOutOfOrder) }
            let number = reports.filter { $0.stage.kind == .followup }.count + 1
            return IncidentReport(stage: .followUp(number), text: text, author: author, filedAt: at)
        case .final:
            guard hasFirst else { throw .conflict("incident \(id) has no first report yet; the first report comes before the final report", .reportOutOfOrder) }
            return IncidentReport(stage: .final, text: text, author: author, filedAt: at)
        }
    }

    public var hasFinalReport: Bool { reports.contains { $0.stage == .final } }

    /// What is due and whether it is overdue at `now` (injected, never read from the system clock
    /// here, so the rule is testable and the same for every caller).
    public func reportingStatus(at now: Date, deadlines: ReportingDeadlines) -> ReportingStatus {
        if hasFinalReport { return ReportingStatus(isComplete: true, due: []) }
        func due(_ stage: ReportStageKind, _ at: Date) -> ReportingStatus.Due {
            ReportingStatus.Due(stage: stage, dueAt: at, isOverdue: now > at)
        }
        let finalDue = due(.final, createdAt.addingTimeInterval(deadlines.finalReportWithin))
        guard let latest = reports.last else {
            let first = due(.first, createdAt.addingTimeInterval(deadlines.firstReportWithin))
            return ReportingStatus(isComplete: false, due: [first, finalDue].sorted { $0.dueAt < $1.dueAt })
        }
        let followUp = due(.followup, latest.filedAt.addingTimeInterval(deadlines.followUpEvery))
        return ReportingStatus(isComplete: false, due: [followUp, finalDue].sorted { $0.dueAt < $1.dueAt })
    }
}
