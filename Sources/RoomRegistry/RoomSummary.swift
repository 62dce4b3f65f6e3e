/// One row of `GET /api/v1/rooms`.
public struct RoomSummary: Codable, Sendable, Hashable {
    public var code: String
    public var name: String
    public var townshipCode: String
    public var countyCode: String
    public var status: SourceStatus
    public var synthetic: Bool
    public var latitude: Double
    public var longitude: Double

    public init(room: Room, status: SourceStatus) {
        code = room.code
        name = room.name
        townshipCode = room.townshipCode
        countyCode = room.countyCode
        self.status = status
        synthetic = room.synthetic
        latitude = room.latitude
        longitude = room.longitude
    }
}
