import Foundation
import GRDB
import JointReporting

/// Row of table `jointSession`: the session as a JSON document, with the columns queries filter on.
struct SessionRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "jointSession"

    var id: String
    var incidentId: String
    var state: String
    var host: String
    var createdAt: Int64
    var document: String

    init(_ session: JointSession) throws {
        id = session.id
        incidentId = session.incidentId
        state = session.state.rawValue
        host = session.host
        createdAt = Int64((session.createdAt.timeIntervalSince1970 * 1000).rounded())
        document = try DocumentCoding.encode(session)
    }

    func session() throws -> JointSession {
        try DocumentCoding.decode(JointSession.self, from: document, what: "session \(id)")
    }
}
