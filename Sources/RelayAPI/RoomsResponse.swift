import RoomRegistry

/// `GET /api/v1/rooms`: one page. `nextCursor` is written as `null` on the last page (the
/// synthesised encoding would drop the key), so clients can test for it without a key check.
struct RoomsResponse: Encodable, Sendable {
    var rooms: [RoomSummary]
    var nextCursor: String?

    init(_ page: RoomPage) {
        rooms = page.rooms
        nextCursor = page.nextCursor
    }

    private enum CodingKeys: String, CodingKey {
        case rooms, nextCursor
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rooms, forKey: .rooms)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
