/// A page of rooms; `nextCursor` is nil on the last page.
public struct RoomPage: Codable, Sendable, Hashable {
    public var rooms: [RoomSummary]
    public var nextCursor: String?

    public init(rooms: [RoomSummary], nextCursor: String?) {
        self.rooms = rooms
        self.nextCursor = nextCursor
    }
}
