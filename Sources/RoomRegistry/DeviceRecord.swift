import Foundation
import GRDB

/// Row of table `device`.
struct DeviceRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Hashable {
    static let databaseTableName = "device"

    var id: String
    var name: String
    var organisationId: String
    var state: DeviceState
    var createdAt: Date

    init(id: String, name: String, organisationId: String, state: DeviceState, createdAt: Date) {
        self.id = id
        self.name = name
        self.organisationId = organisationId
        self.state = state
        self.createdAt = createdAt
    }

    var device: Device { Device(id: id, name: name, org: organisationId, state: state, createdAt: createdAt) }
}

extension DeviceState: DatabaseValueConvertible {}
