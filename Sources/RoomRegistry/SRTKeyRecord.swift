import Foundation
import GRDB

/// Row of table `srtKey`: one passphrase of one source. The current key has `retiredAt == nil`.
struct SRTKeyRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Hashable {
    static let databaseTableName = "srtKey"

    var id: Int64?
    var sourcePath: String
    var passphrase: String
    var createdAt: Date
    var retiredAt: Date?

    init(sourcePath: String, passphrase: String, createdAt: Date) {
        id = nil
        self.sourcePath = sourcePath
        self.passphrase = passphrase
        self.createdAt = createdAt
        retiredAt = nil
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    static func current(_ db: Database, path: String) throws -> SRTKeyRecord? {
        try SRTKeyRecord.fetchOne(db, sql: "SELECT * FROM srtKey WHERE sourcePath = ? AND retiredAt IS NULL", arguments: [path])
    }

    /// Inserts a fresh generated key for `path`, retiring the current one if there is one.
    @discardableResult
    static func issue(_ db: Database, path: String, at now: Date) throws -> SRTKeyRecord {
        try db.execute(sql: "UPDATE srtKey SET retiredAt = ? WHERE sourcePath = ? AND retiredAt IS NULL", arguments: [now, path])
        var key = SRTKeyRecord(sourcePath: path, passphrase: KeyGenerator.passphrase(), createdAt: now)
        try key.insert(db)
        return key
    }
}
