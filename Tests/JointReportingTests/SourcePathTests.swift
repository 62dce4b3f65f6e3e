import Testing
import JointReporting

@Suite("Source paths")
struct SourcePathTests {
    @Test(arguments: [
        ("room/520602001201", SourcePath.room("520602001201")),
        ("cam/bc-520602001", SourcePath.camera("bc-520602001")),
        ("hall/520600-water", SourcePath.hall("520600-water")),
    ])
    func parses(text: String, expected: SourcePath) throws {
        let path = try SourcePath(parsing: text)
        #expect(path == expected)
        #expect(path.description == text)
    }

    @Test(arguments: [
        "room/52060200120", "room/5206020012011", "room/52060200120x", "cam/", "cam/a b", "hall/../x",
        "hall/..", "lab/cam1", "520602001201", "", "room", "cam/" + String(repeating: "a", count: 65),
    ])
    func refusesMalformed(text: String) {
        let error = #expect(throws: ReportingError.self) { try SourcePath(parsing: text) }
        #expect(error?.code == .invalid)
    }

    @Test func jurisdictionOfSources() {
        let d = StaticOrganisationDirectory.tongrenFixture
        let room = SourcePath.room("520602001201")
        #expect(d.jurisdiction(of: Org.city, contains: room))
        #expect(d.jurisdiction(of: Org.county, contains: room))
        #expect(d.jurisdiction(of: Org.township, contains: room))
        #expect(!d.jurisdiction(of: Org.otherCounty, contains: room))
        #expect(!d.jurisdiction(of: Org.otherTownship, contains: room))
        #expect(!d.jurisdiction(of: Org.water, contains: room))
        // A camera belongs to its owner's area; a hall to its organisation's area.
        let cam = SourcePath.camera("bc-520602001")
        #expect(d.jurisdiction(of: Org.county, contains: cam))
        #expect(!d.jurisdiction(of: Org.otherCounty, contains: cam))
        #expect(d.jurisdiction(of: Org.city, contains: .hall(Org.county)))
        #expect(!d.jurisdiction(of: Org.township, contains: .hall(Org.county)))
        // Every organisation sees its own hall, a department included.
        #expect(d.jurisdiction(of: Org.water, contains: .hall(Org.water)))
        #expect(!d.jurisdiction(of: "nobody", contains: room))
        #expect(!d.jurisdiction(of: Org.city, contains: .camera("unknown-device")))
    }
}
