import Foundation

/// The link and media figures the ingest layer reports with a status update (from libsrt's
/// statistics). A nil field means "not measured"; `lastMediaAt` nil keeps the previous value,
/// because the last time media arrived stays true after the source goes quiet.
public struct LiveFigures: Codable, Sendable, Hashable {
    public var lastMediaAt: Date?
    /// Ingest bitrate in bits per second.
    public var bitrate: Int?
    public var rttMs: Double?
    public var lossPercent: Double?
    /// Retransmitted packets, cumulative for the current connection.
    public var retransmits: Int?

    public init(lastMediaAt: Date? = nil, bitrate: Int? = nil, rttMs: Double? = nil, lossPercent: Double? = nil, retransmits: Int? = nil) {
        self.lastMediaAt = lastMediaAt
        self.bitrate = bitrate
        self.rttMs = rttMs
        self.lossPercent = lossPercent
        self.retransmits = retransmits
    }
}
