import Foundation
import GRDB

extension Registry {
    /// Seeds the Tongren demo registry (10 counties, 181 townships, 2,911 rooms, a body camera
    /// per township, halls and departments, a fresh key for each) if the registry is empty.
    /// - Returns: true if it seeded, false if the registry already had data (nothing changed).
    @discardableResult
    public func seedDemo() async throws -> Bool {
        try await seed(DemoRegistry.generate())
    }

    /// Writes `snapshot` with a fresh key per room, device and organisation, in one transaction,
    /// if the registry is empty; otherwise changes nothing and returns false.
    @discardableResult
    public func seed(_ snapshot: RegistrySnapshot, at now: Date = Date()) async throws -> Bool {
        try await write { db in
            let existing = try Int.fetchOne(db, sql: """
                SELECT (SELECT COUNT(*) FROM area) + (SELECT COUNT(*) FROM organisation) + (SELECT COUNT(*) FROM device)
                """) ?? 0
            guard existing == 0 else { return WriteOutcome(value: false) }
            try Self.insert(snapshot, db, at: now)
            return WriteOutcome(value: true, admission: .replaceAll(try AdmissionIndex.loadAll(db)), tree: try AreaTree.load(db))
        }
    }

    static func insert(_ snapshot: RegistrySnapshot, _ db: Database, at now: Date) throws {
        // Parents before children, so foreign keys hold row by row.
        for area in snapshot.areas.sorted(by: { ($0.level, $0.code) < ($1.level, $1.code) }) {
            try AreaRecord(area).insert(db)
        }
        for org in snapshot.organisations {
            try OrganisationRecord(org).insert(db)
            try SRTKeyRecord.issue(db, path: "hall/\(org.id)", at: now)
        }
        for room in snapshot.rooms {
            try RoomRecord(room).insert(db)
            try SRTKeyRecord.issue(db, path: room.sourcePath, at: now)
        }
        for device in snapshot.devices {
            try DeviceRecord(id: device.id, name: device.name, organisationId: device.org, state: .active, createdAt: now).insert(db)
            try SRTKeyRecord.issue(db, path: "cam/\(device.id)", at: now)
        }
    }
}
