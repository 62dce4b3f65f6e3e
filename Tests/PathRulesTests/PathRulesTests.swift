import PathRules
import Testing

/// The path syntax table every entry point is checked against (the end-to-end twin of this table
/// runs the same rows through SRT, HLS, REST, session feeds and the CLI).
@Suite("Path rules: one syntax, one jurisdiction")
struct PathRulesTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var text: String
        var verdict: PathRulesError.Code?   // nil: a path
        var testDescription: String { "'\(text.prefix(40))' → \(verdict.map { "\($0)" } ?? "path")" }
    }

    static let rows: [Row] = [
        Row(text: "room/520602001201", verdict: nil),
        Row(text: "room/52060200120", verdict: .malformed),
        Row(text: "room/5206020012011", verdict: .malformed),
        Row(text: "room/52060200120a", verdict: .malformed),
        Row(text: "cam/bc-520602001", verdict: nil),
        Row(text: "cam/bc_1", verdict: nil),
        Row(text: "cam/a.b", verdict: .malformed),          // the three copies disagreed here
        Row(text: "cam/..", verdict: .malformed),
        Row(text: "cam/", verdict: .malformed),
        Row(text: "cam/" + String(repeating: "x", count: 64), verdict: nil),
        Row(text: "cam/" + String(repeating: "x", count: 65), verdict: .malformed),
        Row(text: "hall/520600", verdict: nil),
        Row(text: "hall/520602001", verdict: nil),
        Row(text: "hall/520600-water", verdict: nil),
        Row(text: "hall/520600-Water", verdict: .malformed),
        Row(text: "hall/5206", verdict: .malformed),
        Row(text: "hall/abc", verdict: .malformed),
        Row(text: "lab/cam1", verdict: nil),
        Row(text: "lab/.hidden", verdict: .malformed),
        Row(text: "lab/a.b-c_d", verdict: nil),
        Row(text: "lab/a b", verdict: .malformed),
        Row(text: "../../etc", verdict: .malformed),
        Row(text: "room/520602001201/x", verdict: .malformed),
        Row(text: "room", verdict: .malformed),
        Row(text: "", verdict: .malformed),
        Row(text: "tv/channel1", verdict: .unknownKind),
        Row(text: "point/34020000001320000001", verdict: nil),           // a surveillance point (issue 15)
        Row(text: "point/cam_01", verdict: nil),
        Row(text: "point/cam01", verdict: .malformed),                   // 6 characters at least
        Row(text: "point/" + String(repeating: "9", count: 65), verdict: .malformed),
        Row(text: "point/a.b-cd", verdict: .malformed),
        Row(text: "gb/34020000001320000001", verdict: .unknownKind),
        Row(text: "ROOM/520602001201", verdict: .unknownKind),
        Row(text: "room/５２０６０２００１２０１", verdict: .malformed),       // full-width digits
        Row(text: "cam/bc\u{0}1", verdict: .malformed),
    ]

    @Test("the table", arguments: rows)
    func table(_ row: Row) {
        do {
            let path = try MediaPath(row.text)
            #expect(row.verdict == nil, "parsed as \(path)")
            #expect(path.description == row.text, "a path prints as it was written")
            #expect(try MediaPath(kind: path.kind, id: path.id) == path)
        } catch {
            #expect(error.code == row.verdict, "\(error.message)")
            #expect(!error.message.contains("\u{0}"), "messages carry no control characters")
        }
    }

    @Test("every kind names its id rule; only lab is unregistered; only point never publishes")
    func kinds() {
        #expect(PathKind.allCases.map(\.rawValue).sorted() == ["cam", "hall", "lab", "point", "room"])
        #expect(PathKind.allCases.filter { !$0.isRegistered } == [.lab])
        // Points are pulled by the gateway: nothing publishes them.
        #expect(PathKind.allCases.filter { !$0.isPublishable } == [.point])
        #expect(IdentifierRule.pointID.accepts("52060200001320000001") && !IdentifierRule.pointID.accepts("12345"))
        #expect(IdentifierRule.villageCode.accepts("520602001201") && !IdentifierRule.villageCode.accepts("520602001"))
        #expect(IdentifierRule.deviceID.accepts("bc-1") && !IdentifierRule.deviceID.accepts("bc.1"))
        #expect(IdentifierRule.organisationID.accepts("520602001-fire") && !IdentifierRule.organisationID.accepts("52060-fire"))
    }

    @Test("jurisdiction: a city its counties, a county its townships and villages, a township its villages, a department nothing")
    func jurisdiction() {
        let city = Jurisdiction(level: .city, areaCode: "520600")
        let county = Jurisdiction(level: .county, areaCode: "520602")
        let township = Jurisdiction(level: .township, areaCode: "520602001")
        let department = Jurisdiction(level: .department, areaCode: "520600")
        for code in ["520602", "520603001", "520628001201"] { #expect(city.contains(areaCode: code)) }
        #expect(!city.contains(areaCode: "520700"))
        #expect(county.contains(areaCode: "520602001201") && county.contains(areaCode: "520602"))
        #expect(!county.contains(areaCode: "520603001201") && !county.contains(areaCode: "520600"))
        #expect(township.contains(areaCode: "520602001201") && !township.contains(areaCode: "520602002201"))
        #expect(!township.contains(areaCode: "520602"))
        #expect(!department.contains(areaCode: "520602001201"))
        #expect(!city.contains(areaCode: ""))
    }
}
