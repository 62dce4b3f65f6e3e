import Foundation
import Testing
@testable import RoomRegistry

@Suite("Tongren demo registry")
struct DemoRegistryTests {
    static let realCounties: [String: String] = [
        "520602": "碧江区", "520603": "万山区", "520621": "江口县", "520622": "玉屏侗族自治县", "520623": "石阡县",
        "520624": "思南县", "520625": "印江土家族苗族自治县", "520626": "德江县", "520627": "沿河土家族自治县", "520628": "松桃苗族自治县",
    ]

    @Test("counts are exactly 1 / 10 / 181 / 2,911, with a camera per township and 196 organisations")
    func counts() {
        let demo = DemoRegistry.generate()
        let byLevel = Dictionary(grouping: demo.areas, by: \.level)
        #expect(byLevel[.city]?.count == 1)
        #expect(byLevel[.county]?.count == 10)
        #expect(byLevel[.township]?.count == 181)
        #expect(byLevel[.village]?.count == 2_911)
        #expect(demo.rooms.count == 2_911)
        #expect(demo.devices.count == 181)
        #expect(demo.organisations.count == 1 + 10 + 181 + 4)
        let departments = Set(demo.organisations.filter { $0.level == .department }.map(\.id))
        #expect(departments == ["520600-water", "520600-forestry", "520600-fire", "520600-natural-resources"])
    }

    @Test("real counties, and every code extends its parent's")
    func codeStructure() throws {
        let demo = DemoRegistry.generate()
        let areas = Dictionary(uniqueKeysWithValues: demo.areas.map { ($0.code, $0) })
        #expect(areas.count == demo.areas.count, "area codes are unique")
        #expect(areas["520600"]?.name == "铜仁市")

        let counties = demo.areas.filter { $0.level == .county }
        #expect(Dictionary(uniqueKeysWithValues: counties.map { ($0.code, $0.name) }) == Self.realCounties)
        #expect(counties.allSatisfy { $0.parentCode == "520600" && !$0.synthetic })

        for township in demo.areas where township.level == .township {
            let parent = try #require(township.parentCode)
            #expect(township.code.count == 9 && township.code.allSatisfy(\.isASCII) && township.code.hasPrefix(parent))
            #expect(areas[parent]?.level == .county)
            #expect(township.synthetic)
        }
        for village in demo.areas where village.level == .village {
            let parent = try #require(village.parentCode)
            #expect(village.code.count == 12 && village.code.hasPrefix(parent), "\(village.code)")
            #expect(areas[parent]?.level == .township)
            #expect(village.synthetic)
        }
        for room in demo.rooms {
            #expect(areas[room.code]?.level == .village)
            #expect(areas[room.code]?.parentCode == room.townshipCode)
            #expect(room.code.hasPrefix(room.townshipCode))
            #expect(room.synthetic)
            #expect(DemoRegistry.latitudeRange.contains(room.latitude) && DemoRegistry.longitudeRange.contains(room.longitude))
        }
        // Every township has villages and its body camera, owned by its command centre.
        let townshipsWithRooms = Set(demo.rooms.map(\.townshipCode))
        #expect(townshipsWithRooms.count == 181)
        for device in demo.devices {
            #expect(device.id == "bc-\(device.org)")
            #expect(areas[device.org]?.level == .township)
        }
        #expect(demo.areas.contains { $0.code == "520602001" })
        #expect(demo.rooms.contains { $0.code == "520602001201" })
    }

    @Test("villages cluster around their county")
    func clustering() {
        let demo = DemoRegistry.generate()
        for county in DemoRegistry.counties {
            let rooms = demo.rooms.filter { $0.countyCode == county.code }
            #expect(!rooms.isEmpty)
            let meanLat = rooms.map(\.latitude).reduce(0, +) / Double(rooms.count)
            let meanLon = rooms.map(\.longitude).reduce(0, +) / Double(rooms.count)
            #expect(abs(meanLat - county.latitude) < 0.2 && abs(meanLon - county.longitude) < 0.25, "\(county.name)")
        }
    }

    @Test("generation is deterministic")
    func deterministic() {
        #expect(DemoRegistry.generate() == DemoRegistry.generate())
    }

    @Test("seeding writes everything with a key each; same structure, different keys; idempotent")
    func seeding() async throws {
        let a = try Registry.openInMemory()
        let b = try Registry.openInMemory()
        #expect(try await a.seedDemo())
        #expect(try await b.seedDemo())
        let counts = try await a.counts()
        #expect(counts == RegistryCounts(cities: 1, counties: 10, townships: 181, villages: 2_911, rooms: 2_911,
                                         organisations: 196, devices: 181, keys: 2_911 + 181 + 196))
        #expect(a.admission.count == 2_911 + 181 + 196)
        #expect(a.admission.allEntries().allSatisfy { KeyGenerator.isPassphrase($0.passphrase) })

        #expect(try await a.exportCSV() == (try await b.exportCSV()))
        let pa = try await a.provisioning(path: "room/520602001201")
        let pb = try await b.provisioning(path: "room/520602001201")
        #expect(pa.passphrase != pb.passphrase)

        // A second seed changes nothing.
        #expect(try await a.seedDemo() == false)
        #expect(try await a.counts() == counts)
        #expect(try await a.provisioning(path: "room/520602001201") == pa)
    }

    @Test("generated passphrases are 24 characters of [A-Za-z0-9] and differ")
    func passphrases() {
        let keys = (0..<1_000).map { _ in KeyGenerator.passphrase() }
        #expect(keys.allSatisfy { $0.count == 24 && $0.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) } })
        #expect(Set(keys).count == keys.count)
    }
}
