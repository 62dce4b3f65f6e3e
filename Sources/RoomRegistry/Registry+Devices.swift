import Foundation
import GRDB

extension Registry {
    /// Devices, ordered by id; optionally only those of one organisation.
    public func devices(org: String? = nil) async throws -> [Device] {
        try await read { db in
            if let org {
                return try DeviceRecord.fetchAll(db, sql: "SELECT * FROM device WHERE organisationId = ? ORDER BY id", arguments: [org]).map(\.device)
            }
            return try DeviceRecord.fetchAll(db, sql: "SELECT * FROM device ORDER BY id").map(\.device)
        }
    }

    public func device(id: String) async throws -> Device {
        try DeviceIdentifier.check(id)
        let record = try await read { db in try DeviceRecord.fetchOne(db, key: id) }
        guard let record else { throw RegistryError(.notFound, "no device '\(id)'") }
        return record.device
    }

    /// Registers a device owned by `org` and gives it a fresh key (see `provisioning(path:)`).
    public func addDevice(id: String, name: String, org: String, at now: Date = Date()) async throws -> Device {
        try DeviceIdentifier.check(id)
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= RegistryCSV.maximumNameLength,
              !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw RegistryError(.invalid, "a device name needs 1 to \(RegistryCSV.maximumNameLength) characters without control characters")
        }
        let path = SourcePath(trusted: .device, id)
        return try await write { db in
            guard try OrganisationRecord.exists(db, key: org) else {
                throw RegistryError(.notFound, "no organisation '\(org.prefix(64))' to own the device")
            }
            guard try !DeviceRecord.exists(db, key: id) else {
                throw RegistryError(.duplicate, "a device '\(id)' already exists")
            }
            let record = DeviceRecord(id: id, name: name, organisationId: org, state: .active, createdAt: now)
            try record.insert(db)
            try SRTKeyRecord.issue(db, path: path.path, at: now)
            let entries = try AdmissionIndex.load(db, path: path).map { [$0] } ?? []
            return WriteOutcome(value: record.device, admission: .upsert(entries, removing: []))
        }
    }

    /// Revokes a device: it can no longer publish (1403), and `onSourceChanged` reports `.revoked`
    /// so the SRT layer cuts a live connection. Revoking a revoked device changes nothing.
    @discardableResult
    public func revokeDevice(id: String) async throws -> Device {
        try DeviceIdentifier.check(id)
        let path = SourcePath(trusted: .device, id)
        return try await write { db in
            guard var record = try DeviceRecord.fetchOne(db, key: id) else {
                throw RegistryError(.notFound, "no device '\(id)'")
            }
            guard record.state != .revoked else { return WriteOutcome(value: record.device) }
            record.state = .revoked
            try record.update(db)
            let entries = try AdmissionIndex.load(db, path: path).map { [$0] } ?? []
            return WriteOutcome(value: record.device, admission: .upsert(entries, removing: []))
        }
    }

    /// Issues a new key for a device (the old one stops working at once).
    public func rotateDeviceKey(id: String, at now: Date = Date()) async throws -> Provisioning {
        try DeviceIdentifier.check(id)
        return try await rotateKey(path: "cam/\(id)", at: now)
    }
}
