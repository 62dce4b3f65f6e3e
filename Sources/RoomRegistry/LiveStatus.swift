import Foundation

/// The live state of one source.
public struct LiveStatus: Codable, Sendable, Hashable {
    public var path: String
    public var status: SourceStatus
    /// When the source entered `status`; nil if it has never been seen.
    public var since: Date?
    public var lastMediaAt: Date?
    public var bitrate: Int?
    public var rttMs: Double?
    public var lossPercent: Double?
    public var retransmits: Int?
    /// When the last update arrived; nil if never.
    public var updatedAt: Date?

    public init(path: String, status: SourceStatus, since: Date?, lastMediaAt: Date?, bitrate: Int?, rttMs: Double?,
                lossPercent: Double?, retransmits: Int?, updatedAt: Date?) {
        self.path = path
        self.status = status
        self.since = since
        self.lastMediaAt = lastMediaAt
        self.bitrate = bitrate
        self.rttMs = rttMs
        self.lossPercent = lossPercent
        self.retransmits = retransmits
        self.updatedAt = updatedAt
    }

    /// A source never seen: offline since unknown.
    public static func neverSeen(_ path: String) -> LiveStatus {
        LiveStatus(path: path, status: .offline, since: nil, lastMediaAt: nil, bitrate: nil, rttMs: nil,
                   lossPercent: nil, retransmits: nil, updatedAt: nil)
    }
}
