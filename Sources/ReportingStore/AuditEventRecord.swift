import Foundation
import GRDB
import JointReporting

/// Row of table `auditEvent`. `at` is stored as the integer milliseconds that were hashed, and
/// `detail` as JSON; reading a row back gives exactly the event that was chained.
struct AuditEventRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "auditEvent"

    var seq: Int
    var at: Int64
    var actor: String
    var sessionId: String?
    var incidentId: String?
    var kind: String
    var detail: String
    var prevMAC: Data
    var mac: Data

    init(_ event: AuditEvent) throws {
        seq = event.seq
        at = event.atMilliseconds
        actor = event.actor
        sessionId = event.sessionId
        incidentId = event.incidentId
        kind = event.kind.rawValue
        detail = try DocumentCoding.encode(event.detail)
        prevMAC = event.prevMAC
        mac = event.mac
    }

    /// The event as stored. A row whose detail no longer parses (someone edited the file) still
    /// loads, with the raw text kept, so that verification reports it as altered rather than the
    /// whole record failing to load.
    func event() -> AuditEvent {
        let parsed = try? JSONDecoder().decode([String: AuditValue].self, from: Data(detail.utf8))
        return AuditEvent(
            seq: seq, at: Date(timeIntervalSince1970: TimeInterval(at) / 1000), actor: actor, sessionId: sessionId,
            incidentId: incidentId, kind: AuditKind(rawValue: kind), detail: parsed ?? ["unreadable": .string(detail)],
            prevMAC: prevMAC, mac: mac)
    }
}
