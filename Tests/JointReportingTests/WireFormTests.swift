import Foundation
import Testing
import JointReporting

@Suite("Wire forms")
struct WireFormTests {
    @Test func reportAndLocationJSON() throws {
        let report = IncidentReport(stage: .followUp(2), text: "t", author: Org.township, filedAt: Date(timeIntervalSince1970: 0))
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
        #expect(object?["stage"] as? String == "followup")
        #expect(object?["number"] as? Int == 2)
        #expect(try JSONDecoder().decode(IncidentReport.self, from: JSONEncoder().encode(report)) == report)
        let first = IncidentReport(stage: .first, text: "t", author: Org.township, filedAt: Date(timeIntervalSince1970: 0))
        #expect(try JSONDecoder().decode(IncidentReport.self, from: JSONEncoder().encode(first)) == first)
        let location = try JSONSerialization.jsonObject(with: JSONEncoder().encode(IncidentLocation.village("520602001201"))) as? [String: String]
        #expect(location == ["villageCode": "520602001201"])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(IncidentLocation.self, from: Data(#"{"villageCode":"12"}"#.utf8)) }
    }

    @Test func auditEventJSONSurvivesAnyDateStrategy() throws {
        var chain = AuditChain(keyBytes: Fixture.key)
        let event = chain.append(at: Date(timeIntervalSince1970: 1_767_225_600.123456), actor: Org.city, kind: .feedViewed, detail: ["path": "room/520602001201"])
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(event)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(object?["at"] as? Int64 == 1_767_225_600_123)
        #expect(object?["mac"] as? String == event.mac.hexString)
        let decoded = try JSONDecoder().decode(AuditEvent.self, from: data)
        #expect(decoded == event)
        #expect(AuditVerifier.verify(events: [decoded], keyBytes: Fixture.key, checkpoint: chain.checkpoint).isIntact)
        #expect(Data(hexString: "00ff10Ab") == Data([0, 255, 16, 171]))
        #expect(Data(hexString: "0g") == nil && Data(hexString: "abc") == nil)
    }
}
