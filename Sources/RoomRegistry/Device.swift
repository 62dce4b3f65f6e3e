import Foundation

/// A registered device, such as a rescue team's body camera; it publishes as `cam/<id>`.
/// JSON field names follow the REST contract: `{id, name, org, state, createdAt}`.
public struct Device: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    /// Owning organisation id.
    public var org: String
    public var state: DeviceState
    public var createdAt: Date

    public init(id: String, name: String, org: String, state: DeviceState, createdAt: Date) {
        self.id = id
        self.name = name
        self.org = org
        self.state = state
        self.createdAt = createdAt
    }

    public var sourcePath: String { "cam/\(id)" }
}
