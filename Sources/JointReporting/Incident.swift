import Foundation

/// An incident reported by a township (or a senior command centre): what happened, where, how
/// grave, and the reports filed on it.
public struct Incident: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var category: IncidentCategory
    /// Current grade; only ever raised, by escalation in a joint session.
    public var grade: IncidentGrade
    public var location: IncidentLocation
    public var title: String
    /// The organisation that opened the incident.
    public var reporter: String
    public var createdAt: Date
    /// In filing order; the rules of `Incident+Reporting.swift` keep first → follow-ups → final.
    public var reports: [IncidentReport]

    public init(
        id: String, category: IncidentCategory, grade: IncidentGrade, location: IncidentLocation,
        title: String, reporter: String, createdAt: Date, reports: [IncidentReport] = []
    ) {
        self.id = id
        self.category = category
        self.grade = grade
        self.location = location
        self.title = title
        self.reporter = reporter
        self.createdAt = createdAt
        self.reports = reports
    }
}
