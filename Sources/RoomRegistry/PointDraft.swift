/// What it takes to register a point: `POST /api/v1/points`, `fieldrelay points add`, a CSV row.
/// The enumerated fields are text here so that every entry point gets the registry's one refusal,
/// naming the field (`network`, `source.transport`, ...).
public struct PointDraft: Sendable, CustomStringConvertible {
    public var id: String
    public var name: String
    /// `skynet`, `sharp-eyes`, `smart-village` or `other`.
    public var network: String
    /// A county, township or village code that exists in the registry.
    public var areaCode: String
    /// WGS-84.
    public var latitude: Double
    public var longitude: Double
    /// `rtsp` (the default).
    public var sourceKind: String?
    public var url: String
    /// `tcp` (the default) or `udp`.
    public var transport: String?
    /// Write-only; stored encrypted.
    public var credentials: PointCredentials?
    public var enabled: Bool
    public var synthetic: Bool

    public init(id: String, name: String, network: String, areaCode: String, latitude: Double, longitude: Double,
                sourceKind: String? = nil, url: String, transport: String? = nil, credentials: PointCredentials? = nil,
                enabled: Bool = true, synthetic: Bool = false) {
        self.id = id
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
        self.synthetic = synthetic
    }

    public var description: String { "PointDraft(\(id))" }

    /// Every field checked on its own (the area's existence is checked against the database).
    func validated() throws -> ValidPoint {
        try PointRules.checkID(id)
        return ValidPoint(id: id, name: try PointRules.name(name), network: try PointRules.network(network),
                          areaCode: try PointRules.areaCodeSyntax(areaCode),
                          latitude: try PointRules.latitude(latitude), longitude: try PointRules.longitude(longitude),
                          sourceKind: try PointRules.sourceKind(sourceKind), url: try PointRules.url(url),
                          transport: try PointRules.transport(transport),
                          credentials: try credentials.flatMap { try PointRules.credentials($0) },
                          enabled: enabled, synthetic: synthetic)
    }
}

/// A draft whose fields have all been checked.
struct ValidPoint: Sendable {
    var id: String
    var name: String
    var network: PointNetwork
    var areaCode: String
    var latitude: Double
    var longitude: Double
    var sourceKind: PointSourceKind
    var url: String
    var transport: PointTransport
    /// nil: none (an empty username counts as none).
    var credentials: PointCredentials?
    var enabled: Bool
    var synthetic: Bool
}
