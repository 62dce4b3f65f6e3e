/// A change to a point (`PATCH /api/v1/points/{id}`, `fieldrelay points enable|disable`): nil
/// fields are left as they are. The id never changes (the credentials are bound to it).
public struct PointPatch: Sendable, CustomStringConvertible {
    /// What happens to the stored username and password.
    public enum CredentialsChange: Sendable, Equatable {
        /// Omitted: the stored ones stay.
        case keep
        /// An explicit empty username: none any more.
        case clear
        /// A new username and password.
        case set(PointCredentials)
        /// A new password for the stored username.
        case password(String)
    }

    public var name: String?
    public var network: String?
    public var areaCode: String?
    public var latitude: Double?
    public var longitude: Double?
    public var sourceKind: String?
    public var url: String?
    public var transport: String?
    public var credentials: CredentialsChange
    public var enabled: Bool?

    public init(name: String? = nil, network: String? = nil, areaCode: String? = nil, latitude: Double? = nil,
                longitude: Double? = nil, sourceKind: String? = nil, url: String? = nil, transport: String? = nil,
                credentials: CredentialsChange = .keep, enabled: Bool? = nil) {
        self.name = name
        self.network = network
        self.areaCode = areaCode
        self.latitude = latitude
        self.longitude = longitude
        self.sourceKind = sourceKind
        self.url = url
        self.transport = transport
        self.credentials = credentials
        self.enabled = enabled
    }

    /// The credentials change of a body that may carry `username` and `password`: neither keeps
    /// the stored ones, an empty username clears them, a username needs its password, a password
    /// alone replaces the stored password.
    public static func credentialsChange(username: String?, password: String?) throws -> CredentialsChange {
        switch (username, password) {
        case (nil, nil): return .keep
        case (let user?, _) where user.isEmpty: return .clear
        case (let user?, let password?): return .set(PointCredentials(username: user, password: password))
        case (_?, nil): throw RegistryError(.invalid, "a new username needs its password", field: "source.password")
        case (nil, let password?): return .password(password)
        }
    }

    public var description: String { "PointPatch" }
}
