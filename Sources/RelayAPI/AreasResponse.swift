import RoomRegistry

/// `GET /api/v1/areas`: city-wide totals beside the tree, so a console's header needs no walk.
struct AreasResponse: Encodable, Sendable {
    var roomsTotal: Int
    var roomsOnline: Int
    var areas: [AreaNode]

    init(areas: [AreaNode]) {
        self.areas = areas
        roomsTotal = areas.reduce(0) { $0 + $1.roomsTotal }
        roomsOnline = areas.reduce(0) { $0 + $1.roomsOnline }
    }
}
