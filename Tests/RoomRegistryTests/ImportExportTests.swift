import Foundation
import Testing
@testable import RoomRegistry

@Suite("CSV import and export")
struct ImportExportTests {
    @Test("export → import into an empty registry → export is byte-identical")
    func roundTrip() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let source = try await seededRegistry(dir)
        let first = try await source.exportCSV()
        #expect(first.hasPrefix("level,code,name,parent_code,room_name,latitude,longitude,synthetic,equipment_note\r\n"))
        #expect(first.contains("\"1080p 球机, 4G 路由器\""), "notes with commas are quoted")

        let file = dir.url.appendingPathComponent("export.csv")
        try await source.exportCSV(to: file)

        let target = try Registry.open(directory: dir.url.appendingPathComponent("other"))
        let summary = try await target.importCSV(contentsOf: file)
        #expect(summary.areasAdded == 1 + 10 + 181 + 2_911)
        #expect(summary.roomsAdded == 2_911)
        #expect(summary.organisationsAdded == 1 + 10 + 181)
        #expect(summary.keysCreated == 2_911 + 1 + 10 + 181)
        let second = try await target.exportCSV()
        #expect(second == first)

        // Importing the same file again updates nothing and adds nothing.
        let again = try await target.importCSV(second)
        #expect(again == ImportSummary())
        #expect(try await target.exportCSV() == first)
        #expect(target.admission.lookup(path: "room/520602001201") != nil)
        #expect(target.areaTree(depth: .city).first?.roomsTotal == 2_911)
    }

    @Test("import adds and updates, issues keys for new rooms and halls, and notifies")
    func mergeImport() async throws {
        let registry = try Registry.openInMemory()
        let log = ChangeLog()
        registry.onSourceChanged = { log.record($0) }
        let summary = try await registry.importCSV(smallCSV)
        #expect(summary.roomsAdded == 2 && summary.organisationsAdded == 3 && summary.keysCreated == 5)
        #expect(log.kinds(for: "room/520602001201") == [.added])
        #expect(log.kinds(for: "hall/520602001") == [.added])
        let entry = try #require(registry.admission.lookup(path: "room/520602001202"))
        #expect(entry.organisation == "520602001")
        #expect(entry.areaCodes == ["520600", "520602", "520602001", "520602001202"])

        let before = try await registry.provisioning(path: "room/520602001201")
        let changed = smallCSV.replacingOccurrences(of: "一村应急视频室", with: "一村新视频室")
            + "village,520602001203,三村,520602001,,27.720000,109.200000,true,\r\n"
        let second = try await registry.importCSV(changed)
        #expect(second.roomsUpdated == 1 && second.roomsAdded == 1 && second.organisationsAdded == 0)
        #expect(try await registry.room(code: "520602001201").name == "一村新视频室")
        #expect(try await registry.room(code: "520602001203").name == "三村", "an empty room_name defaults to the village name")
        #expect(try await registry.provisioning(path: "room/520602001201") == before, "updating a room keeps its key")
    }

    static let header = "level,code,name,parent_code,room_name,latitude,longitude,synthetic,equipment_note\r\n"
    static let goodPrefix = header
        + "township,520602090,新街道,520602,,,,true,\r\n"
        + "village,520602090201,甲村,520602090,,27.700000,109.100000,true,\r\n"

    /// (name, rows after the good prefix, expected code, line, field)
    static let refusals: [(String, String, RegistryError.Code, Int, String)] = [
        ("duplicate code", "village,520602090201,乙村,520602090,,27.7,109.1,true,\r\n", .duplicate, 4, "code"),
        ("duplicate of a township", "township,520602090,又街道,520602,,,,true,\r\n", .duplicate, 4, "code"),
        ("village not extending its township", "village,520602091201,乙村,520602090,,27.7,109.1,true,\r\n", .invalid, 4, "code"),
        ("missing parent township", "village,520602777201,乙村,520602777,,27.7,109.1,true,\r\n", .invalid, 4, "parent_code"),
        ("missing parent county", "township,520699001,乙镇,520699,,,,true,\r\n", .invalid, 4, "parent_code"),
        ("empty parent", "village,520602090202,乙村,,,27.7,109.1,true,\r\n", .invalid, 4, "parent_code"),
        ("village code too short", "village,52060209020,乙村,520602090,,27.7,109.1,true,\r\n", .invalid, 4, "code"),
        ("township code too long", "township,5206020901,乙镇,520602,,,,true,\r\n", .invalid, 4, "code"),
        ("letters in a code", "village,52060209020x,乙村,520602090,,27.7,109.1,true,\r\n", .invalid, 4, "code"),
        ("latitude not a number", "village,520602090202,乙村,520602090,,abc,109.1,true,\r\n", .invalid, 4, "latitude"),
        ("latitude out of range", "village,520602090202,乙村,520602090,,95,109.1,true,\r\n", .invalid, 4, "latitude"),
        ("longitude nan", "village,520602090202,乙村,520602090,,27.7,nan,true,\r\n", .invalid, 4, "longitude"),
        ("missing longitude", "village,520602090202,乙村,520602090,,27.7,,true,\r\n", .invalid, 4, "longitude"),
        ("coordinates on a township", "township,520602091,乙镇,520602,,27.7,109.1,true,\r\n", .invalid, 4, "latitude"),
        ("bad level", "hamlet,520602090202,乙村,520602090,,27.7,109.1,true,\r\n", .invalid, 4, "level"),
        ("bad synthetic", "village,520602090202,乙村,520602090,,27.7,109.1,maybe,\r\n", .invalid, 4, "synthetic"),
        ("empty name", "village,520602090202,,520602090,,27.7,109.1,true,\r\n", .invalid, 4, "name"),
        ("too few fields", "village,520602090202,乙村,520602090,,27.7,109.1\r\n", .invalid, 4, "synthetic"),
        ("too many fields", "village,520602090202,乙村,520602090,,27.7,109.1,true,,extra\r\n", .invalid, 4, "column 10"),
        ("unterminated quote", "village,520602090202,\"乙村,520602090,,27.7,109.1,true,\r\n", .invalid, 4, "name"),
        ("quote inside unquoted field", "village,520602090202,乙\"村,520602090,,27.7,109.1,true,\r\n", .invalid, 4, "name"),
        ("text after closing quote", "village,520602090202,\"乙村\"x,520602090,,27.7,109.1,true,\r\n", .invalid, 4, "name"),
        ("line counted after a multi-line field",
         "village,520602090202,乙村,520602090,,27.7,109.1,true,\"two\r\nlines\"\r\nvillage,520602090203,丙村,520602090,,27.7,109.1,true,\r\nvillage,520602090204,丁村,520602090,,xx,109.1,true,\r\n",
         .invalid, 7, "latitude"),
    ]

    @Test("a bad file is refused with its line and field, and changes nothing", arguments: refusals.indices)
    func refusal(index: Int) async throws {
        let (name, rows, code, line, field) = Self.refusals[index]
        let dir = try TempDirectory()
        defer { dir.remove() }
        let registry = try Registry.open(directory: dir.url)
        try await registry.importCSV(smallCSV)
        let exportBefore = try await registry.exportCSV()
        let countsBefore = try await registry.counts()
        let admissionBefore = registry.admission.count

        let error = await expectRegistryError(code, line: line, field: field) {
            try await registry.importCSV(Self.goodPrefix + rows)
        }
        #expect(error != nil, "\(name)")
        #expect(try await registry.exportCSV() == exportBefore, "\(name): no partial import")
        #expect(try await registry.counts() == countsBefore, "\(name)")
        #expect(registry.admission.count == admissionBefore, "\(name)")
    }

    @Test("header problems are refused on line 1")
    func headers() async throws {
        let registry = try Registry.openInMemory()
        await expectRegistryError(.invalid, line: 1, field: "equipment_note") {
            try await registry.importCSV("level,code,name,parent_code,room_name,latitude,longitude,synthetic\r\n")
        }
        await expectRegistryError(.invalid, line: 1, field: "colour") {
            try await registry.importCSV(Self.header.replacingOccurrences(of: "\r\n", with: ",colour\r\n"))
        }
        await expectRegistryError(.invalid, line: 1) {
            try await registry.importCSV("")
        }
        #expect(try await registry.counts().isEmpty)
    }

    @Test("a code registered at another level conflicts")
    func levelConflict() async throws {
        let registry = try Registry.openInMemory()
        try await registry.importCSV(smallCSV)
        await expectRegistryError(.conflict, line: 2, field: "level") {
            try await registry.importCSV(Self.header + "county,520600,铜仁市,520600,,,,false,\r\n")
        }
    }
}
