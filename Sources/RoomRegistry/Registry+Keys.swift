import Foundation
import GRDB

extension Registry {
    /// What an installer needs for `path` (`room/<code>`, `cam/<id>`, `hall/<org>`): stream id
    /// and current passphrase. Admin only: it hands out key material.
    public func provisioning(path: String) async throws -> Provisioning {
        let source = try SourcePath(parsing: path)
        return try await read { db in
            try Self.requireSource(source, db, forKeyUse: true)
            guard let key = try SRTKeyRecord.current(db, path: source.path) else {
                throw RegistryError(.notFound, "\(source.path) has no key; rotate its key to issue one")
            }
            return Self.provisioning(source, key)
        }
    }

    /// Retires the current key of `path` and issues a new one. The old key stops working for new
    /// connections at once, and `onSourceChanged` reports `.keyRotated` so a live connection
    /// using it is cut.
    public func rotateKey(path: String, at now: Date = Date()) async throws -> Provisioning {
        let source = try SourcePath(parsing: path)
        return try await write { db in
            try Self.requireSource(source, db, forKeyUse: true)
            let key = try SRTKeyRecord.issue(db, path: source.path, at: now)
            let entries = try AdmissionIndex.load(db, path: source).map { [$0] } ?? []
            return WriteOutcome(value: Self.provisioning(source, key), admission: .upsert(entries, removing: []))
        }
    }

    /// When each key of `path` was created and retired, oldest first (no secrets).
    public func keyHistory(path: String) async throws -> [KeyHistoryEntry] {
        let source = try SourcePath(parsing: path)
        return try await read { db in
            try Self.requireSource(source, db, forKeyUse: false)
            return try SRTKeyRecord.fetchAll(db, sql: "SELECT * FROM srtKey WHERE sourcePath = ? ORDER BY id", arguments: [source.path])
                .map { KeyHistoryEntry(createdAt: $0.createdAt, retiredAt: $0.retiredAt) }
        }
    }

    static func provisioning(_ source: SourcePath, _ key: SRTKeyRecord) -> Provisioning {
        Provisioning(sourcePath: source.path, streamId: source.publishStreamID, passphrase: key.passphrase, keyCreatedAt: key.createdAt)
    }

    /// Throws `.notFound` unless the source exists; with `forKeyUse`, `.conflict` for a revoked device.
    static func requireSource(_ source: SourcePath, _ db: Database, forKeyUse: Bool) throws {
        switch source.kind {
        case .room:
            guard try RoomRecord.exists(db, key: source.identifier) else {
                throw RegistryError(.notFound, "no room \(source.identifier)")
            }
        case .device:
            guard let device = try DeviceRecord.fetchOne(db, key: source.identifier) else {
                throw RegistryError(.notFound, "no device '\(source.identifier)'")
            }
            if forKeyUse && device.state == .revoked {
                throw RegistryError(.conflict, "device '\(source.identifier)' is revoked; it has no usable key")
            }
        case .hall:
            guard try OrganisationRecord.exists(db, key: source.identifier) else {
                throw RegistryError(.notFound, "no organisation '\(source.identifier)'")
            }
        }
    }
}
