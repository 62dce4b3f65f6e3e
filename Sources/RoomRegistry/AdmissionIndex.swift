import Synchronization

/// The in-memory admission table the SRT listen callback consults.
///
/// libsrt calls its listen callback on its own thread for every handshake, and a slow callback
/// stalls every other handshake on the port; so a look-up is a dictionary read under a mutex, with
/// no database I/O and no suspension. The registry keeps it in step with every committed write
/// (device add/revoke, key rotation, import, seed), in commit order.
public final class AdmissionIndex: Sendable {
    private let entries: Mutex<[String: AdmissionEntry]>

    public init(entries: [String: AdmissionEntry] = [:]) {
        self.entries = Mutex(entries)
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
