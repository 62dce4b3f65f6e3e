import Foundation

/// An evidence export (issue 14): a range of one path packaged as a signed ZIP. Jobs are kept in
/// the recording index, so they survive a restart (a job running at the crash runs again).
public struct ExportJob: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        case queued, running, done, failed
        /// Done, and its package removed after `recording.exportRetentionHours`.
        case expired
    }

    /// `exp-<n>`.
    public var id: String
    public var path: String
    /// The range asked for.
    public var from: Date
    public var to: Date
    public var note: String
    /// Who asked: `admin` or an organisation id.
    public var requestedBy: String
    /// The incident the export is for, when asked from one: its events go on that incident's record.
    public var incidentID: String?
    public var createdAt: Date
    public var state: State
    /// 0…1 of the bytes to write.
    public var progress: Double
    public var error: String?
    public var finishedAt: Date?
    /// Of the package, when done.
    public var size: Int64?
    public var sha256: Data?
    /// The spans the requester may export, when restricted to what it could see live (an
    /// organisation that only took part in a session); nil: the whole range.
    public var allowed: [AllowedSpan]?

    public struct AllowedSpan: Sendable, Equatable, Codable {
        public var from: Date
        public var to: Date
        public init(from: Date, to: Date) {
            self.from = from
            self.to = to
        }
    }

    public init(id: String, path: String, from: Date, to: Date, note: String, requestedBy: String, incidentID: String? = nil, createdAt: Date,
                state: State = .queued, progress: Double = 0, error: String? = nil, finishedAt: Date? = nil,
                size: Int64? = nil, sha256: Data? = nil, allowed: [AllowedSpan]? = nil) {
        self.id = id
        self.path = path
        self.from = from
        self.to = to
        self.note = note
        self.requestedBy = requestedBy
        self.incidentID = incidentID
        self.createdAt = createdAt
        self.state = state
        self.progress = progress
        self.error = error
        self.finishedAt = finishedAt
        self.size = size
        self.sha256 = sha256
        self.allowed = allowed
    }

    /// The package's file name, for downloads.
    public var fileName: String {
        "fieldrelay-\(id)-\(path.replacingOccurrences(of: "/", with: "-"))-\(RecordingLayout.timestamp(from)).zip"
    }
}

/// Where exports are kept: the index's part of the `RecordingIndex` protocol.
public protocol ExportIndex: AnyObject, Sendable {
    /// Stores a new job with the next id (`exp-<n>`).
    func createExport(path: String, from: Date, to: Date, note: String, requestedBy: String, incidentID: String?, at: Date,
                      allowed: [ExportJob.AllowedSpan]?) throws -> ExportJob
    func updateExport(_ job: ExportJob) throws
    func export(id: String) throws -> ExportJob?
    /// Newest first.
    func exports() throws -> [ExportJob]
}
