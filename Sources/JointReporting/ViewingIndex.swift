import Synchronization

/// Who may watch which feed because a session grants it: `path → orgs`, kept in memory and
/// updated by the coordinator on every transition, so that checking an HLS segment costs one
/// dictionary lookup under a lock and never a storage read.
///
/// A lock rather than an actor so the check is synchronous: the HTTP layer calls it for every
/// playlist, segment and part, and an actor hop per segment would queue behind commands.
public final class ViewingIndex: Sendable {
    private struct State {
        /// What each open session grants; closed sessions grant nothing and are dropped.
        var bySession: [String: [SourcePath: Set<String>]] = [:]
        /// Union over sessions, with a count per org so overlapping sessions are handled.
        var byPath: [SourcePath: [String: Int]] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether some open session currently lets `org` watch `path`.
    public func isGranted(org: String, path: SourcePath) -> Bool {
        state.withLock { $0.byPath[path]?[org] != nil }
    }

    /// The organisations some open session lets watch `path`.
    public func grantees(of path: SourcePath) -> Set<String> {
        state.withLock { state in
            guard let orgs = state.byPath[path] else { return [] }
            return Set(orgs.keys)
        }
    }

    /// Replaces what session `id` grants (empty for a closed session).
    func replace(session id: String, grants: [SourcePath: Set<String>]) {
        state.withLock { state in
            if let old = state.bySession[id] {
                for (path, orgs) in old {
                    for org in orgs {
                        let remaining = (state.byPath[path]?[org] ?? 1) - 1
                        state.byPath[path]?[org] = remaining > 0 ? remaining : nil
                    }
                    if state.byPath[path]?.isEmpty == true { state.byPath[path] = nil }
                }
            }
            state.bySession[id] = grants.isEmpty ? nil : grants
            for (path, orgs) in grants {
                for org in orgs { state.byPath[path, default: [:]][org, default: 0] += 1 }
            }
        }
    }
}
