import Foundation
import GRDB
import JointReporting
import ReportingStore
import Testing

@Suite("ReportingDatabase: the record and the state in SQLite, beside their key and checkpoint")
struct ReportingDatabaseTests {
    @Test("state, viewing index, record and ids survive a restart")
    func restart() async throws {
        let first = try await StoreFixture.open()
        defer { first.remove() }
        let (incident, session) = try await first.story()
        let events = await first.coordinator.allEvents()
        #expect(events.count >= 7)
        #expect(first.coordinator.canView(org: StoreFixture.water, path: StoreFixture.bodyCam))

        let second = try await first.restarted()
        #expect(try await second.coordinator.incident(id: incident.id, as: .admin) == incident)
        #expect(try await second.coordinator.session(id: session.id, as: .admin) == session)
        #expect(await second.coordinator.allEvents() == events)
        #expect(second.coordinator.canView(org: StoreFixture.water, path: StoreFixture.bodyCam), "the viewing index is rebuilt")
        #expect(!second.coordinator.canView(org: StoreFixture.otherCounty, path: StoreFixture.bodyCam))
        // The first view was recorded once; after the restart it is still known as recorded.
        #expect(try await second.coordinator.recordView(org: StoreFixture.water, path: StoreFixture.bodyCam) == false)
        // Identifiers continue after the stored ones; the chain continues after the last event.
        let next = try await second.coordinator.createIncident(
            villageCode: "520602001202", category: .accident, grade: .iv, title: "Bridge", firstReport: nil, by: StoreFixture.township)
        #expect(next.id == "inc-000002")
        let verdict = try await second.coordinator.verifyRecord(checkpoint: await second.coordinator.checkpoint)
        #expect(verdict.isIntact)
        let report = try await AuditReport.verify(directory: second.directory)
        #expect(report.isIntact)
        #expect(report.events == events.count + 1)
        #expect(report.checkpoint?.count == events.count + 1)
        second.remove()
    }

    @Test("the key is 32 random bytes, mode 0600, made once; the checkpoint follows every commit, mode 0600")
    func keyAndCheckpoint() async throws {
        let fixture = try await StoreFixture.open()
        defer { fixture.remove() }
        let keyPath = fixture.directory.appendingPathComponent(AuditKeyFile.fileName).path
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(fixture.key.count == 32)
        let again = try AuditKeyFile.loadOrCreate(directory: fixture.directory)
        #expect(again.key == fixture.key && !again.created)
        #expect(try CheckpointFile.read(key: fixture.key, directory: fixture.directory) == nil, "no events, no checkpoint yet")

        try await fixture.story()
        let checkpoint = try #require(try CheckpointFile.read(key: fixture.key, directory: fixture.directory))
        let head = await fixture.coordinator.checkpoint
        #expect(checkpoint == head)
        let checkpointPath = fixture.directory.appendingPathComponent(CheckpointFile.fileName).path
        #expect((try FileManager.default.attributesOfItem(atPath: checkpointPath)[.posixPermissions] as? Int) == 0o600)
        // A checkpoint edited to hide a cut tail no longer carries a valid MAC.
        var text = try String(contentsOfFile: checkpointPath, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"count\":\(checkpoint.count)", with: "\"count\":\(checkpoint.count - 1)")
        try text.write(toFile: checkpointPath, atomically: true, encoding: .utf8)
        #expect(throws: ReportingStoreError.self) { try CheckpointFile.read(key: fixture.key, directory: fixture.directory) }
    }

    @Test("the audit table refuses UPDATE and DELETE")
    func appendOnly() async throws {
        let fixture = try await StoreFixture.open()
        defer { fixture.remove() }
        try await fixture.story()
        #expect(throws: DatabaseError.self) {
            try fixture.tamper { db in try db.execute(sql: "UPDATE auditEvent SET actor = 'someone' WHERE seq = 1") }
        }
        #expect(throws: DatabaseError.self) {
            try fixture.tamper { db in try db.execute(sql: "DELETE FROM auditEvent WHERE seq = 1") }
        }
        #expect(try await AuditReport.verify(directory: fixture.directory).isIntact)
    }

    @Test("altered, cut and inserted rows are caught, naming the first bad event")
    func tampering() async throws {
        for attack in Attack.allCases {
            let fixture = try await StoreFixture.open()
            try await fixture.story()
            let count = await fixture.coordinator.allEvents().count
            try fixture.tamper { db in
                try db.execute(sql: "DROP TRIGGER auditEvent_no_update; DROP TRIGGER auditEvent_no_delete")
                try attack.apply(db, count: count)
            }
            let report = try await AuditReport.verify(directory: fixture.directory)
            let fault = try #require(report.verification.fault, "\(attack) went unnoticed")
            #expect(fault.kind == attack.expectedKind, "\(attack): \(fault)")
            #expect(fault.seq == attack.expectedSeq(count: count), "\(attack): \(fault)")
            fixture.remove()
        }
    }

    enum Attack: CaseIterable, CustomStringConvertible {
        case alterDetail, alterActor, deleteLast, deleteMiddle, insertAtEnd, insertInMiddle

        var description: String { "\(self.self)" }

        func apply(_ db: Database, count: Int) throws {
            switch self {
            case .alterDetail:
                try db.execute(sql: "UPDATE auditEvent SET detail = replace(detail, 'road blocked', 'all fine') WHERE seq = 1")
            case .alterActor:
                try db.execute(sql: "UPDATE auditEvent SET actor = '520603' WHERE seq = 3")
            case .deleteLast:
                try db.execute(sql: "DELETE FROM auditEvent WHERE seq = ?", arguments: [count])
            case .deleteMiddle:
                try db.execute(sql: "DELETE FROM auditEvent WHERE seq = 4")
            case .insertAtEnd:
                try db.execute(sql: """
                    INSERT INTO auditEvent (seq, at, actor, kind, detail, prevMAC, mac)
                    SELECT seq + 1, at, actor, kind, detail, mac, mac FROM auditEvent WHERE seq = ?
                    """, arguments: [count])
            case .insertInMiddle:
                // Make room at 3 by shifting every later row up (highest first, for UNIQUE).
                for seq in stride(from: count, through: 3, by: -1) {
                    try db.execute(sql: "UPDATE auditEvent SET seq = seq + 1 WHERE seq = ?", arguments: [seq])
                }
                try db.execute(sql: """
                    INSERT INTO auditEvent (seq, at, actor, kind, detail, prevMAC, mac)
                    SELECT 3, at, '520603', 'session.closed', '{}', mac, mac FROM auditEvent WHERE seq = 2
                    """)
            }
        }

        var expectedKind: AuditFault.Kind {
            switch self {
            case .alterDetail, .alterActor: .altered
            case .deleteLast: .truncated
            case .deleteMiddle: .removed
            case .insertAtEnd, .insertInMiddle: .inserted
            }
        }

        func expectedSeq(count: Int) -> Int {
            switch self {
            case .alterDetail: 1
            case .alterActor: 3
            case .deleteLast: count
            case .deleteMiddle: 4
            case .insertAtEnd: count + 1
            case .insertInMiddle: 3
            }
        }
    }
}
