import GRDB
import Synchronization

/// The in-memory admission table the SRT listen callback consults.
///
/// libsrt calls its listen callback on its own thread for every handshake, and a slow callback
/// stalls every other handshake on the port; so a look-up is a dictionary read under a mutex, with
/// no database I/O and no suspension. The registry keeps it in step with every committed write
/// (device add/revoke, key rotation, import, seed), in commit order.
public final class AdmissionIndex: Sendable {
    private let entries: Mutex<[String: AdmissionEntry]>
    /// Each surveillance point's area code by point id. Points are never admitted over SRT (they
    /// have no key), but their jurisdiction is asked from memory like everyone else's.
    private let pointAreas: Mutex<[String: String]>

    public init(entries: [String: AdmissionEntry] = [:], pointAreas: [String: String] = [:]) {
        self.entries = Mutex(entries)
        self.pointAreas = Mutex(pointAreas)
    }

    /// The area code a registered source's jurisdiction is judged by: a point's registered area
    /// (county, township or village; never its id's digits), a room's village, a device's or a
    /// hall's organisation's area. Nil for an unknown source or a lab path. Memory only.
    public func areaCode(path: String) -> String? {
        if path.hasPrefix("point/") {
            let id = path.dropFirst("point/".count)
            return pointAreas.withLock { $0[String(id)] }
        }
        return lookup(path: path)?.areaCodes.last
    }

    /// How many points the index knows.
    public var pointCount: Int {
        pointAreas.withLock { $0.count }
    }

    func applyPoints(_ change: PointAreaChange) {
        pointAreas.withLock { areas in
            switch change {
            case .unchanged: break
            case .upsert(let upserts): areas.merge(upserts) { _, new in new }
            case .remove(let ids): for id in ids { areas.removeValue(forKey: id) }
            case .replaceAll(let all): areas = all
            }
        }
    }

    /// Every point's area code by id, from the database.
    static func loadPointAreas(_ db: Database) throws -> [String: String] {
        var areas: [String: String] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT id, areaCode FROM point")
        while let row = try rows.next() { areas[row[0]] = row[1] }
        return areas
    }

    /// The entry for `room/<code>`, `cam/<id>` or `hall/<org>`; nil for an unknown source (1404).
    public func lookup(path: String) -> AdmissionEntry? {
        entries.withLock { $0[path] }
    }

    public var count: Int {
        entries.withLock { $0.count }
    }

    /// All entries, for diagnostics and tests (copies the table).
    public func allEntries() -> [AdmissionEntry] {
        entries.withLock { Array($0.values) }
    }

    /// Replaces the whole table and returns what changed, source by source.
    func replaceAll(with fresh: [String: AdmissionEntry]) -> [SourceChange] {
        entries.withLock { current in
            var changes: [SourceChange] = []
            for path in current.keys where fresh[path] == nil {
                changes.append(SourceChange(path: path, kind: .removed))
            }
            for (path, new) in fresh {
                if let change = Self.change(from: current[path], to: new) { changes.append(change) }
            }
            current = fresh
            return changes.sorted { $0.path < $1.path }
        }
    }

    /// Inserts or replaces some entries, removes others, and returns what changed.
    func apply(upserts: [AdmissionEntry], removals: [String] = []) -> [SourceChange] {
        entries.withLock { current in
            var changes: [SourceChange] = []
            for path in removals where current.removeValue(forKey: path) != nil {
                changes.append(SourceChange(path: path, kind: .removed))
            }
            for entry in upserts {
                if let change = Self.change(from: current[entry.path], to: entry) { changes.append(change) }
                current[entry.path] = entry
            }
            return changes
        }
    }

    private static func change(from old: AdmissionEntry?, to new: AdmissionEntry) -> SourceChange? {
        guard let old else { return SourceChange(path: new.path, kind: .added) }
        // Revocation wins over rotation: the connection must go either way, and 1403 is the
        // refusal the device should see next.
        if new.revoked && !old.revoked { return SourceChange(path: new.path, kind: .revoked) }
        if new.passphrase != old.passphrase { return SourceChange(path: new.path, kind: .keyRotated) }
        if new != old { return SourceChange(path: new.path, kind: .updated) }
        return nil
    }
}
