import GRDB

/// Row of table `room`.
struct RoomRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Hashable {
    static let databaseTableName = "room"

    var code: String
    var name: String
    var townshipCode: String
    var latitude: Double
    var longitude: Double
    var synthetic: Bool
    var equipmentNote: String?

    init(_ room: Room) {
        code = room.code
        name = room.name
        townshipCode = room.townshipCode
        latitude = room.latitude
        longitude = room.longitude
        synthetic = room.synthetic
        equipmentNote = room.equipmentNote
    }

    var room: Room {
        Room(code: code, name: name, townshipCode: townshipCode, latitude: latitude, longitude: longitude,
             synthetic: synthetic, equipmentNote: equipmentNote)
    }
}
