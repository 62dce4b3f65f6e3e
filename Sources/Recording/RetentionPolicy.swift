import Foundation

/// What retention needs to know of an incident (from the joint-reporting record).
public struct IncidentRetention: Sendable, Equatable {
    /// Nil while the incident is open.
    public var closedAt: Date?
    /// 1 = grade I (most severe) … 4 = grade IV. Grades I and II are kept until released.
    public var grade: Int

    public init(closedAt: Date?, grade: Int) {
        self.closedAt = closedAt
        self.grade = grade
    }

    /// The most severe grade whose video is kept until released, whatever its age.
    public static let keptUntilReleasedGrade = 2
}

/// Which recording files retention deletes (`../shared/DOMAIN.md`: the longest class wins; a legal
/// hold overrides all). Pure: the caller passes what the index and the joint-reporting record
/// hold, and the time. A file is expired only when every class that applies to it has expired:
/// - routine: `recording.retentionDays` after the file's end (its creation when empty);
/// - linked to an incident (the file overlaps a session link of its path, `from … to ?? now`,
///   the backfill already in `from`): kept while the incident is open, then until `closedAt +
///   recording.incidentRetentionDays`; grade I and II incidents, never by time; an incident the
///   caller does not know is treated as open (a deletion cannot be undone);
/// - overlapping an unreleased evidence mark of its path: kept;
/// - linked to an incident under a legal hold: kept.
/// Unsealed files (still being written, or waiting for recovery) are never expired.
public enum RetentionPolicy {
    static let day: TimeInterval = 86_400

    public static func expired(files: [RecordedFile], links: [SessionLink], incidents: [String: IncidentRetention],
                               marks: [EvidenceMark], holds: [LegalHold], configuration: RecordingConfiguration,
                               now: Date) -> [(RecordedFile, reason: String)] {
        let held = Set(holds.map(\.incidentID))
        let linksByPath = Dictionary(grouping: links, by: \.path)
        let marksByPath = Dictionary(grouping: marks.filter { $0.releasedAt == nil }, by: \.path)
        var result: [(RecordedFile, reason: String)] = []
        for file in files {
            if let reason = expiry(of: file, links: linksByPath[file.path] ?? [], incidents: incidents,
                                   marks: marksByPath[file.path] ?? [], held: held, configuration: configuration, now: now) {
                result.append((file, reason: reason))
            }
        }
        return result
    }

    /// The reason `file` may be deleted at `now`, nil while any class keeps it.
    static func expiry(of file: RecordedFile, links: [SessionLink], incidents: [String: IncidentRetention],
                       marks: [EvidenceMark], held: Set<String>, configuration: RecordingConfiguration, now: Date) -> String? {
        guard file.isSealed else { return nil }
        let start = file.start ?? file.createdAt
        let end = max(start, file.end ?? file.createdAt)
        let routineEnd = end.addingTimeInterval(Double(configuration.retentionDays) * day)
        guard routineEnd < now else { return nil }
        if marks.contains(where: { $0.releasedAt == nil && $0.from <= end && $0.to >= start }) { return nil }

        // The incident whose retention ends last names the deletion.
        var latest: (incident: String, until: Date)?
        for link in links where link.from <= end && (link.to ?? now) >= start {
            if held.contains(link.incidentID) { return nil }
            guard let incident = incidents[link.incidentID], incident.grade > IncidentRetention.keptUntilReleasedGrade,
                  let closedAt = incident.closedAt else { return nil }
            let until = closedAt.addingTimeInterval(Double(configuration.incidentRetentionDays) * day)
            guard until < now else { return nil }
            if latest == nil || until > latest!.until { latest = (link.incidentID, until) }
        }
        if let latest {
            return "incident \(latest.incident) closed more than \(configuration.incidentRetentionDays) days ago"
        }
        return "routine: older than \(configuration.retentionDays) days"
    }
}
