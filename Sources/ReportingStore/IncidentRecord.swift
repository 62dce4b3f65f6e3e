import Foundation
import GRDB
import JointReporting

/// Row of table `incident`: the incident as a JSON document, with the columns queries filter on.
struct IncidentRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "incident"

    var id: String
    var areaCode: String
    var grade: String
    var createdAt: Int64
    var document: String

    init(_ incident: Incident) throws {
        id = incident.id
        areaCode = incident.location.areaCode
        grade = incident.grade.rawValue
        createdAt = Int64((incident.createdAt.timeIntervalSince1970 * 1000).rounded())
        document = try DocumentCoding.encode(incident)
    }

    func incident() throws -> Incident {
        try DocumentCoding.decode(Incident.self, from: document, what: "incident \(id)")
    }
}
