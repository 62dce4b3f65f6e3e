import Foundation
import Synchronization

/// Who is at their console and what each organisation is watching (issue "The console, fit for
/// duty", item 10), from what their consoles do: every authenticated request marks an
/// organisation present (consoles poll every few seconds), and every playlist request marks the
/// path watched (players reload playlists several times a second). Memory only, and forgotten
/// after the windows below: presence is a glance for the duty officer, not a record (the record
/// keeps `feed.viewed`).
public final class Presence: Sendable {
    /// An organisation with no request for this long is no longer online.
    public let onlineWindow: TimeInterval
    /// A path with no playlist request from an organisation for this long is no longer watched by it.
    public let watchingWindow: TimeInterval
    private let state = Mutex<(seen: [String: Date], watching: [String: [String: Date]])>(([:], [:]))

    public init(onlineWindow: TimeInterval = 30, watchingWindow: TimeInterval = 10) {
        self.onlineWindow = onlineWindow
        self.watchingWindow = watchingWindow
    }

    func seen(_ org: String, at now: Date = Date()) {
        state.withLock { $0.seen[org] = now }
    }

    func watching(_ org: String, path: String, at now: Date = Date()) {
        state.withLock { state in
            state.seen[org] = now
            state.watching[org, default: [:]][path] = now
            // Bounded: forget what is long past whenever an organisation's list grows.
            if state.watching[org]!.count > 64 {
                state.watching[org] = state.watching[org]!.filter { now.timeIntervalSince($0.value) < self.watchingWindow }
            }
        }
    }

    public func isOnline(_ org: String, at now: Date = Date()) -> Bool {
        state.withLock { $0.seen[org].map { now.timeIntervalSince($0) < onlineWindow } ?? false }
    }

    /// How many paths are kept for `org` (expired ones included until pruned): for tests.
    func keptPaths(of org: String) -> Int {
        state.withLock { $0.watching[org]?.count ?? 0 }
    }

    /// The paths `org` watched within the window, sorted.
    public func watched(by org: String, at now: Date = Date()) -> [String] {
        state.withLock { state in
            (state.watching[org] ?? [:]).filter { now.timeIntervalSince($0.value) < watchingWindow }.keys.sorted()
        }
    }
}
