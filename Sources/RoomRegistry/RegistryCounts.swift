/// How much the registry holds.
public struct RegistryCounts: Codable, Sendable, Hashable {
    public var cities: Int
    public var counties: Int
    public var townships: Int
    public var villages: Int
    public var rooms: Int
    public var organisations: Int
    public var devices: Int
    /// Current (not retired) keys.
    public var keys: Int
    /// Surveillance points (issue 15).
    public var points: Int

    public init(cities: Int, counties: Int, townships: Int, villages: Int, rooms: Int, organisations: Int, devices: Int, keys: Int,
                points: Int = 0) {
        self.cities = cities
        self.counties = counties
        self.townships = townships
        self.villages = villages
        self.rooms = rooms
        self.organisations = organisations
        self.devices = devices
        self.keys = keys
        self.points = points
    }

    public var isEmpty: Bool { cities + counties + townships + villages + rooms + organisations + devices == 0 }
}
