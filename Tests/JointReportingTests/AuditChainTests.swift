import Foundation
import Testing
import JointReporting

@Suite("Audit chain")
struct AuditChainTests {
    static let key = Fixture.key
    static let start = Date(timeIntervalSince1970: 1_767_225_600)

    /// Six chained events, as the coordinator would write them.
    static func record() -> [AuditEvent] {
        var chain = AuditChain(keyBytes: key)
        let steps: [(String, AuditKind, [String: AuditValue])] = [
            (Org.township, .incidentCreated, ["grade": "IV", "title": "Landslide"]),
            (Org.township, .sessionCreated, ["host": .string(Org.township), "invited": []]),
            (Org.township, .feedAttached, ["path": .string(Path.bodyCam)]),
            (Org.county, .joined, ["ownAuthority": true]),
            (Org.township, .escalated, ["from": "IV", "grade": "III", "invited": [.string(Org.county)]]),
            (Org.township, .closed, ["detached": [.string(Path.bodyCam)], "count": 1]),
        ]
        return steps.enumerated().map { index, step in
            chain.append(at: start.addingTimeInterval(Double(index) * 60.0005), actor: step.0,
                         sessionId: index == 0 ? nil : "ses-000001", incidentId: "inc-000001", kind: step.1, detail: step.2)
        }
    }

    static func verify(_ events: [AuditEvent], checkpoint: AuditCheckpoint? = nil) -> AuditVerification {
        AuditVerifier.verify(events: events, keyBytes: key, checkpoint: checkpoint)
    }

    @Test func intactRecordVerifies() throws {
        let events = Self.record()
        #expect(events.map(\.seq) == [1, 2, 3, 4, 5, 6])
        #expect(events[0].prevMAC == AuditChain.genesisMAC)
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.mac == $1.prevMAC })
        let checkpoint = AuditCheckpoint(after: events[5])
        #expect(Self.verify(events, checkpoint: checkpoint) == .intact(checkpoint))
        #expect(Self.verify([], checkpoint: .empty) == .intact(.empty))
        // A checkpoint one step behind the record (crash between commit and checkpoint) is fine.
        #expect(Self.verify(events, checkpoint: AuditCheckpoint(after: events[4])).isIntact)
    }

    @Test func survivesJSONRoundTrip() throws {
        let events = Self.record()
        let data = try JSONEncoder().encode(events)
        let decoded = try JSONDecoder().decode([AuditEvent].self, from: data)
        #expect(Self.verify(decoded, checkpoint: AuditCheckpoint(after: events[5])).isIntact)
        #expect(decoded.map(\.atMilliseconds) == events.map(\.atMilliseconds))
    }

    @Test func alteredDetail() {
        var events = Self.record()
        events[2].detail["path"] = "cam/bc-520603001"
        #expect(Self.verify(events).fault?.kind == .altered)
        #expect(Self.verify(events).fault?.seq == 3)
    }

    @Test func alteredActor() {
        var events = Self.record()
        events[3].actor = Org.otherCounty
        let fault = Self.verify(events, checkpoint: AuditCheckpoint(after: events[5])).fault
        #expect(fault == AuditFault(kind: .altered, seq: 4, message: "event 4 was altered: its content does not match its MAC"))
    }

    @Test func alteredTimeKindAndIds() {
        var time = Self.record()
        time[1].at = time[1].at.addingTimeInterval(1)
        #expect(Self.verify(time).fault?.seq == 2)
        var kind = Self.record()
        kind[4].kind = .joined
        #expect(Self.verify(kind).fault?.seq == 5)
        var session = Self.record()
        session[0].sessionId = "ses-000001"
        #expect(Self.verify(session).fault?.seq == 1)
    }

    @Test func alteredLink() {
        var events = Self.record()
        events[2].prevMAC = Data(repeating: 1, count: 32)
        #expect(Self.verify(events).fault?.kind == .altered)
        #expect(Self.verify(events).fault?.seq == 3)
    }

    @Test func deletedMiddleRow() {
        var events = Self.record()
        events.remove(at: 2)
        let fault = Self.verify(events).fault
        #expect(fault?.kind == .removed)
        #expect(fault?.seq == 3)
        // Renumbering the rest to hide the gap does not hide it.
        for index in 2..<events.count { events[index].seq -= 1 }
        #expect(Self.verify(events).fault?.seq == 3)
        #expect(Self.verify(events).fault?.kind == .removed)
    }

    @Test func deletedFirstRow() {
        let events = Array(Self.record().dropFirst())
        #expect(Self.verify(events).fault == AuditFault(kind: .removed, seq: 1, message: "event 1 is missing"))
    }

    @Test func deletedLastRowsCaughtByCheckpoint() {
        let events = Self.record()
        let checkpoint = AuditCheckpoint(after: events[5])
        let cut = Array(events.dropLast())
        // The chain alone cannot see a cut tail: the prefix is a valid chain ...
        #expect(Self.verify(cut).isIntact)
        // ... the checkpoint kept outside the database can.
        let fault = Self.verify(cut, checkpoint: checkpoint).fault
        #expect(fault?.kind == .truncated)
        #expect(fault?.seq == 6)
        #expect(Self.verify(Array(events.prefix(3)), checkpoint: checkpoint).fault?.seq == 4)
        #expect(Self.verify([], checkpoint: checkpoint).fault?.kind == .truncated)
    }

    @Test func lastRowReplacedCaughtByCheckpoint() {
        var events = Self.record()
        let checkpoint = AuditCheckpoint(after: events[5])
        events[5].detail["count"] = 2
        #expect(Self.verify(events, checkpoint: checkpoint).fault == AuditFault(kind: .altered, seq: 6, message: "event 6 was altered: its content does not match its MAC"))
    }

    @Test func insertedRowWithRenumbering() {
        let original = Self.record()
        var events = original
        let forged = AuditEvent(
            seq: 4, at: original[2].at, actor: Org.otherCounty, sessionId: "ses-000001", incidentId: "inc-000001",
            kind: .joined, detail: [:], prevMAC: original[2].mac, mac: Data(repeating: 9, count: 32))
        events.insert(forged, at: 3)
        for index in 4..<events.count { events[index].seq += 1 }
        let fault = Self.verify(events).fault
        #expect(fault?.kind == .inserted)
        #expect(fault?.seq == 4)
    }

    @Test func insertedRowWithDuplicateNumber() {
        let original = Self.record()
        var events = original
        var copy = original[3]
        copy.actor = Org.otherCounty
        events.insert(copy, at: 4)
        let fault = Self.verify(events).fault
        #expect(fault?.kind == .inserted)
        #expect(fault?.seq == 4)
    }

    @Test func insertedRowAfterTheCheckpointedEnd() {
        let original = Self.record()
        var events = original
        events.append(AuditEvent(seq: 7, at: original[5].at, actor: Org.township, sessionId: nil, incidentId: nil,
                                 kind: .closed, detail: [:], prevMAC: original[5].mac, mac: Data(repeating: 3, count: 32)))
        let fault = Self.verify(events, checkpoint: AuditCheckpoint(after: original[5])).fault
        #expect(fault?.kind == .inserted)
        #expect(fault?.seq == 7)
    }

    @Test func reorderedRows() {
        var events = Self.record()
        events.swapAt(2, 3)
        let fault = Self.verify(events).fault
        #expect(fault?.kind == .reordered)
        #expect(fault?.seq == 3)
        // Swapping rows and renumbering them to look in order is still caught as a reorder.
        var renumbered = Self.record()
        renumbered.swapAt(2, 3)
        renumbered[2].seq = 3
        renumbered[3].seq = 4
        #expect(Self.verify(renumbered).fault?.seq == 3)
        #expect(Self.verify(renumbered).fault?.kind == .reordered)
    }

    @Test func wrongKeyFailsAtTheFirstEvent() {
        let events = Self.record()
        let fault = AuditVerifier.verify(events: events, keyBytes: Data(repeating: 0xAB, count: 32), checkpoint: nil).fault
        #expect(fault?.kind == .altered)
        #expect(fault?.seq == 1)
    }

    @Test func chainResumesAfterLastEvent() {
        let events = Self.record()
        var resumed = AuditChain(keyBytes: Self.key, resumingAfter: events[5])
        let next = resumed.append(at: Self.start, actor: Org.city, kind: .feedViewed, detail: ["path": "room/520602001201"])
        #expect(next.seq == 7)
        #expect(Self.verify(events + [next], checkpoint: resumed.checkpoint).isIntact)
    }

    /// Freezes the canonical encoding: if this changes, every stored record stops verifying.
    @Test func canonicalEncodingIsStable() {
        let event = AuditEvent(
            seq: 1, at: Date(timeIntervalSince1970: 1.5), actor: "o", sessionId: nil, incidentId: "i",
            kind: AuditKind(rawValue: "k"), detail: ["b": [1, true, nil], "a": "é"], prevMAC: AuditChain.genesisMAC, mac: Data())
        let hex = event.canonicalBytes.map { String(format: "%02x", $0) }.joined()
        let expected = "46524131" + "0000000000000001" + "00000000000005dc"  // FRA1, seq 1, 1500 ms
            + "000000016f" + "00" + "01" + "0000000169" + "000000016b"  // actor "o", no session, incident "i", kind "k"
            + "6f" + "00000002"  // object of 2, keys sorted by bytes: "a" before "b"
            + "0000000161" + "73" + "00000002c3a9"  // "a": string "é" (2 UTF-8 bytes)
            + "0000000162" + "61" + "00000003" + "69" + "0000000000000001" + "74" + "6e"  // "b": [1, true, null]
        #expect(hex == expected)
        // Dictionary order never matters.
        var reordered = event
        reordered.detail = ["a": "é", "b": [1, true, nil]]
        #expect(reordered.canonicalBytes == event.canonicalBytes)
        var chain = AuditChain(keyBytes: Data(repeating: 0x42, count: 32))
        let a = chain.append(at: Date(timeIntervalSince1970: 1.5), actor: "o", incidentId: "i", kind: AuditKind(rawValue: "k"), detail: ["b": [1, true, nil], "a": "é"])
        #expect(a.mac.count == 32)
        #expect(a.mac.map { String(format: "%02x", $0) }.joined() == Self.frozenMAC)
    }

    // Computed independently: Python hmac.new(b"\x42" * 32, canonical + bytes(32), sha256).
    static let frozenMAC = "0dd198fc020b28300eb6a5323c5e9f20412e031b85c7eef4810d3d40f2db2f1d"
}
