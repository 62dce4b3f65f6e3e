/// `GET /api/v1/rooms/{code}`: the room, where it is, and its live figures.
/// The HTTP layer adds the HLS URL, which depends on its configuration.
public struct RoomDetail: Codable, Sendable, Hashable {
    public var code: String
    public var name: String
    public var townshipCode: String
    public var townshipName: String
    public var countyCode: String
    public var countyName: String
    public var status: SourceStatus
    public var synthetic: Bool
    public var latitude: Double
    public var longitude: Double
    public var equipmentNote: String?
    /// `room/<code>`
    public var sourcePath: String
    public var live: LiveStatus

    public init(room: Room, townshipName: String, countyName: String, live: LiveStatus) {
        code = room.code
        name = room.name
        townshipCode = room.townshipCode
        self.townshipName = townshipName
        countyCode = room.countyCode
        self.countyName = countyName
        status = live.status
        synthetic = room.synthetic
        latitude = room.latitude
        longitude = room.longitude
        equipmentNote = room.equipmentNote
        sourcePath = room.sourcePath
        self.live = live
    }
}
