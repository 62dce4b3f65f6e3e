import Foundation
import GRDB
import Testing
import TestSupport

/// `fieldrelay orgs token` and `fieldrelay audit verify` as an operator runs them, and the record
/// edited directly in its SQLite file by someone with access to the data directory.
@Suite("fieldrelay orgs token and audit verify", .serialized)
struct AuditVerifyCommandTests {
    static func fieldrelay(_ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
        try #require(FileManager.default.isExecutableFile(atPath: RunningGateway.executable), "build the fieldrelay product first")
        let (status, out, err) = try await Subprocess.run(RunningGateway.executable, arguments)
        return (status, out, err)
    }

    /// Copies the data directory, so each attack starts from the same genuine record.
    static func copy(_ directory: String) throws -> String {
        let target = directory + "-copy-\(UUID().uuidString.prefix(8))"
        try FileManager.default.copyItem(atPath: directory, toPath: target)
        return target
    }

    static func tamper(_ directory: String, _ sql: String) throws {
        let queue = try DatabaseQueue(path: directory + "/reporting.sqlite")
        try queue.writeWithoutTransaction { db in
            // An attacker with the file simply drops the append-only triggers first.
            try db.execute(sql: "DROP TRIGGER auditEvent_no_update; DROP TRIGGER auditEvent_no_delete")
            try db.execute(sql: sql)
        }
        try queue.close()
    }

    @Test("a CLI-issued token works at once on the running server; verify passes, then catches each edit by event")
    func verify() async throws {
        let gateway = try await RunningGateway.start()
        let issued = try await Self.fieldrelay(["orgs", "token", "520602001", "--data", gateway.dataDirectory])
        #expect(issued.status == 0, "\(issued.err)")
        let token = issued.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("fro_"))
        #expect(try await Self.fieldrelay(["orgs", "token", "999999", "--data", gateway.dataDirectory]).status != 0)
        let township = gateway.client(token)
        let incident = try await township.must("POST", "/api/v1/incidents", [
            "villageCode": "520602001201", "category": "natural_disaster", "grade": "IV", "title": "Flood", "report": "river over the bank"])
        let incidentId = try #require(incident.string("id"))
        let sessionId = try #require(try await township.must("POST", "/api/v1/incidents/\(incidentId)/sessions").string("id"))
        try await township.must("POST", "/api/v1/sessions/\(sessionId)/feeds", ["path": "cam/bc-520602001"])
        try await township.must("POST", "/api/v1/sessions/\(sessionId)/invitations", ["org": "520602"])
        try await township.must("POST", "/api/v1/sessions/\(sessionId)/close")
        let count = await gateway.application.reporting.coordinator.allEvents().count
        #expect(count == 5)

        let live = try await Self.fieldrelay(["audit", "verify", "--data", gateway.dataDirectory])
        #expect(live.status == 0, "while the server runs: \(live.out) \(live.err)")
        #expect(live.out.contains("ok: \(count) events"))
        await gateway.stop(keepData: true)
        let data = gateway.dataDirectory
        defer { try? FileManager.default.removeItem(atPath: data) }
        #expect(try await Self.fieldrelay(["audit", "verify", "--data", data]).status == 0)

        let attacks: [(name: String, sql: String, expected: String)] = [
            ("altered", "UPDATE auditEvent SET detail = replace(detail, 'river over the bank', 'nothing happened') WHERE seq = 1",
             "FAILED at event 1 (altered)"),
            ("deleted last", "DELETE FROM auditEvent WHERE seq = \(count)", "FAILED at event \(count) (truncated)"),
            ("inserted", """
                INSERT INTO auditEvent (seq, at, actor, sessionId, incidentId, kind, detail, prevMAC, mac)
                SELECT \(count + 1), at + 1, '520602001', sessionId, incidentId, 'session.created', '{}', mac, mac FROM auditEvent WHERE seq = \(count)
                """, "FAILED at event \(count + 1) (inserted)"),
        ]
        for attack in attacks {
            let copy = try Self.copy(data)
            defer { try? FileManager.default.removeItem(atPath: copy) }
            try Self.tamper(copy, attack.sql)
            let result = try await Self.fieldrelay(["audit", "verify", "--data", copy])
            #expect(result.status == 1, "\(attack.name): \(result.out) \(result.err)")
            #expect(result.out.contains(attack.expected), "\(attack.name): \(result.out)")
        }

        // Without the checkpoint (deleted to hide a cut) the record cannot be vouched for.
        let noCheckpoint = try Self.copy(data)
        defer { try? FileManager.default.removeItem(atPath: noCheckpoint) }
        try FileManager.default.removeItem(atPath: noCheckpoint + "/audit.checkpoint")
        #expect(try await Self.fieldrelay(["audit", "verify", "--data", noCheckpoint]).status == 2)
    }
}
