import Foundation
import JointReporting
import Logging
import RoomRegistry
import Synchronization

/// Joint reporting's view of the registry: `OrganisationDirectory` and `FeedCatalog` answered
/// from memory, because `SessionCoordinator.canView` asks on every HLS playlist and segment.
///
/// Rooms and devices come from the registry's admission index (kept in step with every write);
/// organisations are copied into memory at start and again whenever a hall source changes (an
/// organisation added or removed brings its `hall/<id>` with it).
final class RegistryDirectory: OrganisationDirectory, FeedCatalog {
    private let registry: Registry
    private let organisations: Mutex<[String: JointReporting.Organisation]>
    /// Room and device names by path, read from the registry once and kept for `nameLifetime`
    /// (every session view names its feeds; names change rarely).
    private let names = Mutex<[String: (name: String?, read: ContinuousClock.Instant)]>([:])
    private static let nameLifetime: Duration = .seconds(300)

    init(registry: Registry) async throws {
        self.registry = registry
        organisations = Mutex(try await Self.load(registry))
    }

    /// Re-reads the organisations (after an import, or an organisation added by the CLI).
    func refresh() async throws {
        let fresh = try await Self.load(registry)
        organisations.withLock { $0 = fresh }
    }

    private static func load(_ registry: Registry) async throws -> [String: JointReporting.Organisation] {
        var result: [String: JointReporting.Organisation] = [:]
        for org in try await registry.organisations() {
            guard let level = JointReporting.OrganisationLevel(rawValue: org.level.rawValue) else { continue }
            result[org.id] = JointReporting.Organisation(id: org.id, name: org.name, level: level, areaCode: org.areaCode)
        }
        return result
    }

    // MARK: - OrganisationDirectory

    func organisation(id: String) -> JointReporting.Organisation? {
        organisations.withLock { $0[id] }
    }

    func deviceOwner(deviceId: String) -> String? {
        registry.admission.lookup(path: "cam/\(deviceId)")?.organisation
    }

    func commandCentre(level: JointReporting.OrganisationLevel, containing areaCode: String) -> JointReporting.Organisation? {
        guard level != .department else { return nil }
        // Escalation only (rare): a scan of a few hundred organisations is fine. Lowest id wins if
        // a registry ever had two candidates, so the choice is deterministic.
        return organisations.withLock { organisations in
            organisations.values
                .filter { $0.level == level && $0.jurisdictionContains(areaCode: areaCode) }
                .min { $0.id < $1.id }
        }
    }

    func displayName(of path: JointReporting.SourcePath) async -> String? {
        await cachedName(path.description) { [registry] in
            switch path {
            case .hall(let org): self.organisation(id: org)?.name
            case .room(let code): try? await registry.room(code: code).name
            case .camera(let id): try? await registry.device(id: id).name
            }
        }
    }

    func areaName(_ code: String) async -> String? {
        await cachedName("area:\(code)") { [registry] in try? await registry.area(code: code).name }
    }

    private func cachedName(_ key: String, read: () async -> String?) async -> String? {
        let now = ContinuousClock.now
        if let cached = names.withLock({ $0[key] }), now - cached.read < Self.nameLifetime { return cached.name }
        let name = await read()
        names.withLock { table in
            if table.count > 10_000 { table.removeAll() }
            table[key] = (name, now)
        }
        return name
    }

    // MARK: - FeedCatalog

    /// Registered, not necessarily live: a revoked body camera is still a known source.
    func exists(_ path: JointReporting.SourcePath) -> Bool {
        switch path {
        case .room, .camera:
            registry.admission.lookup(path: path.description) != nil
        case .hall(let org):
            organisation(id: org) != nil
        }
    }
}

extension RegistryDirectory {
    /// The registry's admission changes, for `ReportingService` to follow.
    func registryChanges() -> AsyncStream<SourceChange> {
        registry.sourceChanges()
    }
}
