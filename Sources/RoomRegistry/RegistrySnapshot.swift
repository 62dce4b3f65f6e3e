/// The structure of a registry without keys or live state: what the demo generator produces and
/// what seeding writes. Keys are generated when it is written, so two snapshots compare equal.
public struct RegistrySnapshot: Sendable, Hashable {
    /// A device to create, before it has a creation time or key.
    public struct DeviceEntry: Sendable, Hashable {
        public var id: String
        public var name: String
        public var org: String

        public init(id: String, name: String, org: String) {
            self.id = id
            self.name = name
            self.org = org
        }
    }

    public var areas: [Area]
    public var organisations: [Organisation]
    public var rooms: [Room]
    public var devices: [DeviceEntry]

    public init(areas: [Area], organisations: [Organisation], rooms: [Room], devices: [DeviceEntry]) {
        self.areas = areas
        self.organisations = organisations
        self.rooms = rooms
        self.devices = devices
    }
}
