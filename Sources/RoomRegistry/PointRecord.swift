import Foundation
import GRDB

/// Row of table `point`. The enumerated columns are kept as text (CHECK constraints hold the
/// network and transport; the source kind has none, so GB/T 28181 can come without rebuilding).
struct PointRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "point"

    var id: String
    var name: String
    var network: String
    var areaCode: String
    var latitude: Double
    var longitude: Double
    var sourceKind: String
    var url: String
    var transport: String
    /// AES-GCM sealed box of the username and password (`PointCredentialKey`); nil: none.
    var credentials: Data?
    var enabled: Bool
    var synthetic: Bool
    var createdAt: Date
    var updatedAt: Date

    init(_ point: ValidPoint, credentials: Data?, createdAt: Date, updatedAt: Date) {
        id = point.id
        name = point.name
        network = point.network.rawValue
        areaCode = point.areaCode
        latitude = point.latitude
        longitude = point.longitude
        sourceKind = point.sourceKind.rawValue
        url = point.url
        transport = point.transport.rawValue
        self.credentials = credentials
        enabled = point.enabled
        synthetic = point.synthetic
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    var point: Point {
        Point(id: id, name: name, network: PointNetwork(rawValue: network) ?? .other, areaCode: areaCode,
              latitude: latitude, longitude: longitude,
              source: PointSource(kind: PointSourceKind(rawValue: sourceKind) ?? .rtsp, url: url,
                                  transport: PointTransport(rawValue: transport) ?? .tcp, hasCredentials: credentials != nil),
              enabled: enabled, synthetic: synthetic, createdAt: createdAt, updatedAt: updatedAt)
    }

    /// Whether the fields a CSV row carries are the same (credentials and timestamps aside).
    func sameFields(as other: PointRecord) -> Bool {
        id == other.id && name == other.name && network == other.network && areaCode == other.areaCode
            && sourceKind == other.sourceKind && url == other.url && transport == other.transport
            && enabled == other.enabled && synthetic == other.synthetic
            && latitude == other.latitude && longitude == other.longitude
    }
}
