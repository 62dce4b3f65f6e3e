/// A node of `GET /api/v1/areas`: `{code, name, level, roomsTotal, roomsOnline, children}`.
public struct AreaNode: Codable, Sendable, Hashable {
    public var code: String
    public var name: String
    public var level: AreaLevel
    public var roomsTotal: Int
    public var roomsOnline: Int
    public var children: [AreaNode]

    public init(code: String, name: String, level: AreaLevel, roomsTotal: Int, roomsOnline: Int, children: [AreaNode]) {
        self.code = code
        self.name = name
        self.level = level
        self.roomsTotal = roomsTotal
        self.roomsOnline = roomsOnline
        self.children = children
    }
}
