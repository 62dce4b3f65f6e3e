import Foundation
import Testing
@testable import RoomRegistry

@Suite("Room queries")
struct RoomQueryTests {
    @Test("walking all 2,911 rooms through cursors (limit 500) gives each once, in order")
    func paging() async throws {
        let registry = try Registry.openInMemory()
        try await registry.seedDemo()
        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await registry.rooms(RoomQuery(limit: 500, cursor: cursor))
            #expect(page.rooms.count <= 500)
            seen += page.rooms.map(\.code)
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil && pages < 20
        #expect(pages == 6)
        #expect(seen.count == 2_911)
        #expect(Set(seen).count == 2_911)
        #expect(seen == seen.sorted())
        #expect(Set(seen) == Set(DemoRegistry.generate().rooms.map(\.code)))

        #expect(try await registry.rooms().rooms.count == RoomQuery.defaultLimit)
        #expect(try await registry.rooms(RoomQuery(limit: 10_000)).rooms.count == 500, "limit is clamped to 500")
        await expectRegistryError(.invalid) { _ = try await registry.rooms(RoomQuery(limit: 0)) }
        await expectRegistryError(.invalid) { _ = try await registry.rooms(RoomQuery(cursor: "not-a-cursor")) }
        await expectRegistryError(.invalid) { _ = try await registry.rooms(RoomQuery(cursor: "cjE6JyBPUiAxPTE=")) }
    }

    @Test("county and township filters")
    func areaFilters() async throws {
        let registry = try Registry.openInMemory()
        try await registry.seedDemo()
        let demo = DemoRegistry.generate()
        var total = 0
        for county in DemoRegistry.counties {
            let page = try await registry.rooms(RoomQuery(county: county.code, limit: 500))
            #expect(page.nextCursor == nil)
            #expect(page.rooms.allSatisfy { $0.countyCode == county.code && $0.townshipCode.hasPrefix(county.code) })
            #expect(page.rooms.count == demo.rooms.filter { $0.countyCode == county.code }.count)
            total += page.rooms.count
        }
        #expect(total == 2_911)

        let township = try await registry.rooms(RoomQuery(township: "520602001", limit: 500))
        #expect(!township.rooms.isEmpty && township.rooms.allSatisfy { $0.townshipCode == "520602001" })
        #expect(try await registry.rooms(RoomQuery(county: "520603", township: "520602001")).rooms.isEmpty)
        #expect(try await registry.rooms(RoomQuery(county: "520699")).rooms.isEmpty)
        await expectRegistryError(.invalid) { _ = try await registry.rooms(RoomQuery(county: "5206")) }
        await expectRegistryError(.invalid) { _ = try await registry.rooms(RoomQuery(township: "52060200x")) }
    }

    @Test("status filter uses live state, with paging")
    func statusFilter() async throws {
        let registry = try Registry.openInMemory()
        try await registry.seedDemo()
        let online = ["520602001201", "520621101203", "520628201201"]
        for code in online { registry.status.update(path: "room/\(code)", status: .online) }
        registry.status.update(path: "room/520602001202", status: .stalled)

        let page = try await registry.rooms(RoomQuery(status: .online))
        #expect(page.rooms.map(\.code) == online && page.rooms.allSatisfy { $0.status == .online })
        #expect(try await registry.rooms(RoomQuery(status: .stalled)).rooms.map(\.code) == ["520602001202"])
        #expect(try await registry.rooms(RoomQuery(county: "520602", status: .online)).rooms.map(\.code) == ["520602001201"])

        var offline = 0
        var cursor: String?
        repeat {
            let page = try await registry.rooms(RoomQuery(status: .offline, limit: 500, cursor: cursor))
            #expect(page.rooms.allSatisfy { $0.status == .offline })
            offline += page.rooms.count
            cursor = page.nextCursor
        } while cursor != nil
        #expect(offline == 2_911 - 4)
    }

    @Test("q searches names and codes, literally")
    func search() async throws {
        let registry = try Registry.openInMemory()
        try await registry.seedDemo()
        let demo = DemoRegistry.generate()
        let target = try #require(demo.rooms.first { $0.code == "520626101205" })

        let byName = try await registry.rooms(RoomQuery(q: target.name, limit: 500))
        #expect(byName.rooms.contains { $0.code == target.code })
        #expect(byName.rooms.allSatisfy { $0.name.contains(target.name) })

        let byCode = try await registry.rooms(RoomQuery(q: "520626101", limit: 500))
        #expect(byCode.rooms.map(\.code) == demo.rooms.filter { $0.code.contains("520626101") }.map(\.code))

        for literal in ["%", "_", "\\", "5206%", "应急视频室%"] {
            #expect(try await registry.rooms(RoomQuery(q: literal)).rooms.isEmpty, "\(literal) is matched literally")
        }
        #expect(try await registry.rooms(RoomQuery(q: "应急视频室", limit: 500)).rooms.count == 500)
    }

    @Test("SQL and quotes in q are harmless")
    func injection() async throws {
        let registry = try Registry.openInMemory()
        try await registry.seedDemo()
        let before = try await registry.counts()
        for q in ["'; DROP TABLE rooms; --", "'; DROP TABLE room; --", "\" OR 1=1 --", "' OR '1'='1", "520602001201' --", "')) UNION SELECT * FROM srtKey --"] {
            let page = try await registry.rooms(RoomQuery(q: q))
            #expect(page.rooms.isEmpty, "\(q)")
            #expect(page.nextCursor == nil)
        }
        #expect(try await registry.counts() == before)
        #expect(try await registry.rooms(RoomQuery(limit: 500)).rooms.count == 500)
    }

    @Test("one room with names and live figures")
    func roomDetail() async throws {
        let registry = try Registry.openInMemory()
        try await registry.seedDemo()
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        registry.status.update(path: "room/520602001201", status: .online,
                               figures: LiveFigures(lastMediaAt: now, bitrate: 3_200_000, rttMs: 120, lossPercent: 2, retransmits: 17), at: now)
        let room = try await registry.room(code: "520602001201")
        #expect(room.countyCode == "520602" && room.countyName == "碧江区" && room.townshipCode == "520602001")
        #expect(!room.townshipName.isEmpty && room.synthetic && room.sourcePath == "room/520602001201")
        #expect(room.status == .online && room.live.bitrate == 3_200_000 && room.live.rttMs == 120 && room.live.retransmits == 17)
        await expectRegistryError(.notFound) { _ = try await registry.room(code: "520602001999") }
        await expectRegistryError(.invalid) { _ = try await registry.room(code: "520602001") }
        await expectRegistryError(.invalid) { _ = try await registry.room(code: "'; DROP TABLE room; --") }

        let provisioning = try await registry.provisioning(path: "room/520602001201")
        #expect(provisioning.streamId == "#!::r=room/520602001201,m=publish")
        #expect(KeyGenerator.isPassphrase(provisioning.passphrase))
        await expectRegistryError(.notFound) { _ = try await registry.provisioning(path: "room/520602001999") }
        await expectRegistryError(.invalid) { _ = try await registry.provisioning(path: "room/1") }
    }

    @Test("JSON field names follow the REST contract")
    func json() async throws {
        let registry = try Registry.openInMemory()
        try await registry.seedDemo()
        let page = try await registry.rooms(RoomQuery(limit: 1))
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(page)) as? [String: Any])
        #expect(object["nextCursor"] is String)
        let room = try #require((object["rooms"] as? [[String: Any]])?.first)
        #expect(Set(room.keys) == ["code", "name", "townshipCode", "countyCode", "status", "synthetic", "latitude", "longitude"])
        let tree = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(registry.areaTree(depth: .city))) as? [[String: Any]])
        #expect(Set(tree[0].keys) == ["code", "name", "level", "roomsTotal", "roomsOnline", "children"])
        let device = try await registry.devices()[0]
        let deviceJSON = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(device)) as? [String: Any])
        #expect(Set(deviceJSON.keys).isSuperset(of: ["id", "name", "org", "state"]))
    }
}
