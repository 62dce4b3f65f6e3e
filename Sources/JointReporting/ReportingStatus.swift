import Foundation

/// Where an incident's reporting stands at a given moment: what is due next, by when, and whether
/// it is overdue. Computed, never stored, so it always follows the configured deadlines.
public struct ReportingStatus: Sendable, Hashable, Codable {
    public struct Due: Sendable, Hashable, Codable {
        public var stage: ReportStageKind
        public var dueAt: Date
        public var isOverdue: Bool
    }

    /// True once the final report is filed: nothing more is due.
    public var isComplete: Bool
    /// The reports now expected, earliest deadline first (a follow-up and the final report can
    /// both be outstanding).
    public var due: [Due]

    /// Whether any expected report is past its deadline.
    public var isOverdue: Bool { due.contains { $0.isOverdue } }
}
