/// What an audit event records. A string-backed struct rather than an enum so that a record
/// written by a later version, with kinds this one does not know, still loads and verifies.
public struct AuditKind: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static let incidentCreated = AuditKind(rawValue: "incident.created")
    public static let reportFiled = AuditKind(rawValue: "incident.report")
    public static let sessionCreated = AuditKind(rawValue: "session.created")
    public static let feedAttached = AuditKind(rawValue: "feed.attached")
    public static let feedDetached = AuditKind(rawValue: "feed.detached")
    public static let focusChanged = AuditKind(rawValue: "feed.focus")
    public static let feedViewed = AuditKind(rawValue: "feed.viewed")
    public static let invited = AuditKind(rawValue: "participant.invited")
    public static let joined = AuditKind(rawValue: "participant.joined")
    public static let left = AuditKind(rawValue: "participant.left")
    public static let removed = AuditKind(rawValue: "participant.removed")
    public static let escalated = AuditKind(rawValue: "session.escalated")
    public static let handedOver = AuditKind(rawValue: "session.handover")
    public static let closed = AuditKind(rawValue: "session.closed")
    /// A refused command; `detail` holds `command`, `code`, `message` and the command's arguments.
    public static let refused = AuditKind(rawValue: "refused")
    /// The recording ledger's head, anchored into this record (hourly and when a session closes):
    /// `detail` holds `sequence` and `hash`. A ledger rewritten afterwards no longer matches.
    public static let recordingAnchored = AuditKind(rawValue: "recording.anchored")
    /// An organisation's first playback of a recorded span; `detail` holds `path`, `from`, `to`.
    public static let recordingPlayed = AuditKind(rawValue: "recording.played")
    /// A legal hold placed on, or released from, an incident's video.
    public static let holdPlaced = AuditKind(rawValue: "recording.hold")
    public static let holdReleased = AuditKind(rawValue: "recording.hold.released")
    /// An evidence export asked for, finished (with the package's SHA-256) or failed, and each
    /// download of it; `detail` holds `export`, `path`, `from`, `to` and what the step adds.
    public static let exportRequested = AuditKind(rawValue: "export.requested")
    public static let exportFinished = AuditKind(rawValue: "export.finished")
    public static let exportFailed = AuditKind(rawValue: "export.failed")
    public static let exportDownloaded = AuditKind(rawValue: "export.downloaded")
}
