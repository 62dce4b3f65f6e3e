import Foundation

/// A hand recording (`POST /api/v1/recordings`): kept until stopped by hand.
public struct HandRecording: Sendable, Equatable, Codable {
    public var id: Int64
    public var path: String
    public var note: String
    public var startedBy: String
    public var startedAt: Date
    public var stoppedBy: String?
    public var stoppedAt: Date?

    public init(id: Int64, path: String, note: String, startedBy: String, startedAt: Date, stoppedBy: String? = nil, stoppedAt: Date? = nil) {
        self.id = id
        self.path = path
        self.note = note
        self.startedBy = startedBy
        self.startedAt = startedAt
        self.stoppedBy = stoppedBy
        self.stoppedAt = stoppedAt
    }
}

/// A span during which a path was attached to a joint session (backfill included): what links
/// video to an incident for retention, and what a session's participants may play back.
public struct SessionLink: Sendable, Equatable, Codable {
    public var path: String
    public var sessionID: String
    public var incidentID: String
    public var from: Date
    /// Nil while the feed is still attached.
    public var to: Date?

    public init(path: String, sessionID: String, incidentID: String, from: Date, to: Date? = nil) {
        self.path = path
        self.sessionID = sessionID
        self.incidentID = incidentID
        self.from = from
        self.to = to
    }
}

/// Video marked as evidence (`POST /api/v1/recordings/evidence`): kept until the admin releases it.
public struct EvidenceMark: Sendable, Equatable, Codable {
    public var id: Int64
    public var path: String
    public var from: Date
    public var to: Date
    public var note: String
    public var markedBy: String
    public var markedAt: Date
    public var releasedBy: String?
    public var releasedAt: Date?

    public init(id: Int64, path: String, from: Date, to: Date, note: String, markedBy: String, markedAt: Date, releasedBy: String? = nil, releasedAt: Date? = nil) {
        self.id = id
        self.path = path
        self.from = from
        self.to = to
        self.note = note
        self.markedBy = markedBy
        self.markedAt = markedAt
        self.releasedBy = releasedBy
        self.releasedAt = releasedAt
    }
}

/// A legal hold on an incident: every file linked to it is kept, whatever else says.
public struct LegalHold: Sendable, Equatable, Codable {
    public var incidentID: String
    public var placedBy: String
    public var placedAt: Date
    public var note: String

    public init(incidentID: String, placedBy: String, placedAt: Date, note: String) {
        self.incidentID = incidentID
        self.placedBy = placedBy
        self.placedAt = placedAt
        self.note = note
    }
}

/// The recording index and ledger (SQLite in `RecordingStore`; PostgreSQL later). Synchronous:
/// it is called from the recording writer's own threads, and the HTTP layer calls it off the
/// event loops. Each method is one transaction; those that write a ledger entry write it in the
/// same transaction as the change it records.
public protocol RecordingIndex: ExportIndex {
    func createFile(path: String, name: String, instance: String, codecs: String, createdAt: Date,
                    initLength: Int64, initHash: Data) throws -> RecordedFile
    func appendFragment(_ fragment: RecordedFragment) throws
    /// Seals a file with its chain head, and writes `file.sealed` (or `file.recovered`) in the
    /// ledger; returns the file and that entry (nil when the file was sealed already).
    func sealFile(id: Int64, at: Date, chainHead: Data, recovered: Bool, detail: [String: String]) throws -> (file: RecordedFile, entry: LedgerEntry?)
    /// Sealed files, by start time: what the start checks for seals written beside them.
    func sealedFiles() throws -> [RecordedFile]
    /// The `file.sealed` or `file.recovered` entry of `file` (nil if none).
    func sealEntry(of file: RecordedFile) throws -> LedgerEntry?
    /// Forgets a file's fragments from `sequence` on (recovery cuts a file back to what verifies).
    func removeFragments(fileID: Int64, from sequence: Int) throws
    /// Removes a file's rows and writes `file.deleted` with `reason`.
    func deleteFile(id: Int64, reason: String, at: Date) throws

    func file(id: Int64) throws -> RecordedFile?
    func file(named name: String) throws -> RecordedFile?
    /// Files of `path` (all paths when nil) overlapping [from, to], by start time.
    func files(path: String?, from: Date?, to: Date?) throws -> [RecordedFile]
    func unsealedFiles() throws -> [RecordedFile]
    func fragments(fileID: Int64) throws -> [RecordedFragment]

    @discardableResult
    func appendLedger(_ kind: LedgerKind, path: String?, detail: [String: String], at: Date) throws -> LedgerEntry
    func ledger(from sequence: Int64) throws -> [LedgerEntry]
    func ledgerHead() throws -> LedgerEntry?

    func startHandRecording(path: String, note: String, by: String, at: Date) throws -> HandRecording
    func stopHandRecording(id: Int64, by: String, at: Date) throws -> HandRecording
    func handRecording(id: Int64) throws -> HandRecording?
    func activeHandRecordings() throws -> [HandRecording]

    func openLink(_ link: SessionLink) throws
    func closeLink(path: String, sessionID: String, at: Date) throws
    func links(path: String?, incidentID: String?, sessionID: String?) throws -> [SessionLink]

    func markEvidence(path: String, from: Date, to: Date, note: String, by: String, at: Date) throws -> EvidenceMark
    func releaseEvidence(id: Int64, by: String, at: Date) throws -> EvidenceMark
    func evidenceMarks(includeReleased: Bool) throws -> [EvidenceMark]

    /// Notes that `org` played (part of) `file`; true the first time, so the first playback per
    /// organisation and file goes on the joint-reporting record once.
    func notePlayback(org: String, file: String, at: Date) throws -> Bool

    func placeHold(incidentID: String, note: String, by: String, at: Date) throws -> LegalHold
    func releaseHold(incidentID: String, by: String, at: Date) throws
    func holds() throws -> [LegalHold]
}
