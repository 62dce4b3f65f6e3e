import Foundation
import GRDB

/// Row of table `availabilityPeriod`.
struct AvailabilityPeriodRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable, Hashable {
    static let databaseTableName = "availabilityPeriod"

    var id: Int64?
    var sourcePath: String
    var onlineFrom: Date
    var onlineUntil: Date?

    init(sourcePath: String, onlineFrom: Date, onlineUntil: Date? = nil) {
        id = nil
        self.sourcePath = sourcePath
        self.onlineFrom = onlineFrom
        self.onlineUntil = onlineUntil
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    var period: AvailabilityPeriod { AvailabilityPeriod(path: sourcePath, onlineFrom: onlineFrom, onlineUntil: onlineUntil) }
}
