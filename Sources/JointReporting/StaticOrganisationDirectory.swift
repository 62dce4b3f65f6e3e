/// An in-memory `OrganisationDirectory` and `FeedCatalog`, for tests and demos.
///
/// All names and township/village codes in `tongrenFixture` are synthetic (only the city and
/// county codes 520600, 520602, 520603 are real).
public struct StaticOrganisationDirectory: OrganisationDirectory, FeedCatalog {
    public var organisations: [String: Organisation]
    /// device id -> owning organisation id
    public var devices: [String: String]
    /// registered village codes (each village has one emergency video room)
    public var rooms: Set<String>

    public init(organisations: [Organisation], devices: [String: String], rooms: Set<String>) {
        self.organisations = Dictionary(organisations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.devices = devices
        self.rooms = rooms
    }

    public func organisation(id: String) -> Organisation? { organisations[id] }

    public func deviceOwner(deviceId: String) -> String? { devices[deviceId] }

    public func commandCentre(level: OrganisationLevel, containing areaCode: String) -> Organisation? {
        guard level != .department else { return nil }
        // Deterministic choice if a fixture ever had two candidates: the lowest id.
        return organisations.values
            .filter { $0.level == level && $0.jurisdictionContains(areaCode: areaCode) }
            .min { $0.id < $1.id }
    }

    public func exists(_ path: SourcePath) -> Bool {
        switch path {
        case .room(let code): rooms.contains(code)
        case .camera(let id): devices[id] != nil
        case .hall(let org): organisations[org] != nil
        }
    }

    /// A small Tongren-like fixture (synthetic names): the city, two counties (碧江区 520602 and
    /// 万山区 520603), one township in each, a water department, three village rooms and one body
    /// camera per township.
    public static let tongrenFixture = StaticOrganisationDirectory(
        organisations: [
            Organisation(id: "520600", name: "Tongren City command hall", level: .city, areaCode: "520600"),
            Organisation(id: "520602", name: "Bijiang District command hall", level: .county, areaCode: "520602"),
            Organisation(id: "520603", name: "Wanshan District command hall", level: .county, areaCode: "520603"),
            Organisation(id: "520602001", name: "Synthetic Township A (Bijiang)", level: .township, areaCode: "520602001"),
            Organisation(id: "520603001", name: "Synthetic Township B (Wanshan)", level: .township, areaCode: "520603001"),
            Organisation(id: "520600-water", name: "City water bureau", level: .department, areaCode: "520600"),
        ],
        devices: [
            "bc-520602001": "520602001",
            "bc-520603001": "520603001",
        ],
        rooms: ["520602001201", "520602001202", "520603001201"]
    )
}
