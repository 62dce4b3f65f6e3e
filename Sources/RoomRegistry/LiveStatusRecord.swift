import Foundation
import GRDB

/// Row of table `liveStatus`: the last flushed state of one source.
struct LiveStatusRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Hashable {
    static let databaseTableName = "liveStatus"

    var sourcePath: String
    var status: SourceStatus
    var since: Date?
    var lastMediaAt: Date?
    var bitrate: Int?
    var rttMs: Double?
    var lossPercent: Double?
    var retransmits: Int?
    var updatedAt: Date?

    init(_ live: LiveStatus) {
        sourcePath = live.path
        status = live.status
        since = live.since
        lastMediaAt = live.lastMediaAt
        bitrate = live.bitrate
        rttMs = live.rttMs
        lossPercent = live.lossPercent
        retransmits = live.retransmits
        updatedAt = live.updatedAt
    }

    var live: LiveStatus {
        LiveStatus(path: sourcePath, status: status, since: since, lastMediaAt: lastMediaAt, bitrate: bitrate,
                   rttMs: rttMs, lossPercent: lossPercent, retransmits: retransmits, updatedAt: updatedAt)
    }
}

extension SourceStatus: DatabaseValueConvertible {}
