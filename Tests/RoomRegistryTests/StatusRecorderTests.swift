import Foundation
import GRDB
import Testing
@testable import RoomRegistry

@Suite("Live status")
struct StatusRecorderTests {
    @Test("many updates coalesce into one flush; nothing is written per update")
    func coalescing() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let registry = try await seededRegistry(dir)
        let paths = DemoRegistry.generate().rooms.map(\.sourcePath)
        let start = Date()
        for round in 0..<5 {
            for path in paths {
                registry.status.update(path: path, status: .online,
                                       figures: LiveFigures(lastMediaAt: start, bitrate: 2_000_000 + round, rttMs: 80, lossPercent: 1.5, retransmits: round),
                                       at: start.addingTimeInterval(Double(round)))
            }
        }
        #expect(registry.status.pendingCount == 2_911)
        #expect(try await registry.writer.read { try LiveStatusRecord.fetchCount($0) } == 0, "updates stay in memory")

        #expect(try await registry.status.flush() == 2_911)
        #expect(registry.status.pendingCount == 0)
        #expect(try await registry.status.flush() == 0)
        let (rows, periods) = try await registry.writer.read { db in
            (try LiveStatusRecord.fetchAll(db), try AvailabilityPeriodRecord.fetchCount(db))
        }
        #expect(rows.count == 2_911)
        #expect(rows.allSatisfy { $0.status == .online && $0.bitrate == 2_000_004 && $0.retransmits == 4 })
        #expect(periods == 2_911, "one online period per room, opened once")
        let one = registry.status.status(path: paths[0])
        #expect(one.since == start, "since moves only on a status change")
        #expect(one.updatedAt == start.addingTimeInterval(4))
    }

    @Test("online periods open and close; lastMediaAt persists")
    func history() async throws {
        let registry = try Registry.openInMemory()
        try await registry.seedDemo()
        let path = "cam/bc-520602001"
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        registry.status.update(path: path, status: .online, figures: LiveFigures(lastMediaAt: t0), at: t0)
        registry.status.update(path: path, status: .stalled, at: t0 + 10)
        try await registry.status.flush()
        registry.status.update(path: path, status: .reconnecting, at: t0 + 20)
        registry.status.update(path: path, status: .online, at: t0 + 30)
        try await registry.status.flush()

        let periods = try await registry.status.availability(path: path)
        #expect(periods == [
            AvailabilityPeriod(path: path, onlineFrom: t0, onlineUntil: t0 + 10),
            AvailabilityPeriod(path: path, onlineFrom: t0 + 30, onlineUntil: nil),
        ])
        let live = registry.status.status(path: path)
        #expect(live.status == .online && live.since == t0 + 30 && live.lastMediaAt == t0)
        #expect(registry.status.status(path: "room/520602001299").status == .offline)
    }

    @Test("after a restart every source starts offline and open periods are closed")
    func restart() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        do {
            let registry = try await seededRegistry(dir)
            for path in ["room/520602001201", "room/520602001202", "cam/bc-520602001"] {
                registry.status.update(path: path, status: .online, figures: LiveFigures(bitrate: 3_000_000), at: t0)
            }
            registry.status.update(path: "room/520602001203", status: .stalled, at: t0)
            registry.status.update(path: "room/520602001202", status: .online, figures: LiveFigures(bitrate: 1), at: t0 + 5)
            try await registry.status.flush()
            try registry.close()
        }

        let reopened = try Registry.open(directory: dir.url)
        // What was flushed is read back as it was...
        #expect(reopened.status.status(path: "room/520602001201").status == .online)
        #expect(reopened.areaTree(depth: .city).first?.roomsOnline == 2)
        // ...until the server resets it at start.
        let t1 = t0 + 3_600
        try await reopened.status.resetAllOffline(at: t1)
        #expect(reopened.status.all().values.allSatisfy { $0.status == .offline })
        #expect(reopened.status.status(path: "room/520602001201").since == t1)
        #expect(reopened.areaTree(depth: .city).first?.roomsOnline == 0)
        let (rows, open) = try await reopened.writer.read { db in
            (try LiveStatusRecord.fetchAll(db),
             try AvailabilityPeriodRecord.fetchAll(db, sql: "SELECT * FROM availabilityPeriod WHERE onlineUntil IS NULL"))
        }
        #expect(rows.count == 4 && rows.allSatisfy { $0.status == .offline && $0.bitrate == nil })
        #expect(open.isEmpty)
        // Periods close at the last update seen, not at the restart.
        let periods = try await reopened.status.availability(path: "room/520602001202")
        #expect(periods == [AvailabilityPeriod(path: "room/520602001202", onlineFrom: t0, onlineUntil: t0 + 5)])
        try reopened.close()

        let third = try Registry.open(directory: dir.url)
        #expect(third.status.all().values.allSatisfy { $0.status == .offline })
    }

    @Test("area tree: totals and live online counts, at any depth")
    func areaTree() async throws {
        let registry = try Registry.openInMemory()
        try await registry.seedDemo()
        for code in ["520602001201", "520602001202", "520628101201"] {
            registry.status.update(path: "room/\(code)", status: .online)
        }
        registry.status.update(path: "room/520602001203", status: .stalled)

        let roots = registry.areaTree()
        #expect(roots.count == 1)
        let city = try #require(roots.first)
        #expect(city.code == "520600" && city.level == .city && city.roomsTotal == 2_911 && city.roomsOnline == 3)
        #expect(city.children.count == 10)
        #expect(city.children.map(\.roomsTotal).reduce(0, +) == 2_911)
        let bijiang = try #require(city.children.first { $0.code == "520602" })
        #expect(bijiang.roomsOnline == 2)
        let township = try #require(bijiang.children.first { $0.code == "520602001" })
        #expect(township.roomsOnline == 2 && township.level == .township)
        let village = try #require(township.children.first { $0.code == "520602001201" })
        #expect(village.level == .village && village.roomsTotal == 1 && village.roomsOnline == 1 && village.children.isEmpty)
        #expect(city.children.flatMap(\.children).count == 181)

        let shallow = registry.areaTree(depth: .county)
        #expect(shallow.first?.children.allSatisfy { $0.children.isEmpty } == true)
        #expect(shallow.first?.roomsOnline == 3)
    }
}

