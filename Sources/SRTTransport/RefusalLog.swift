import Logging
import Synchronization

/// Keeps the log readable under a handshake flood: per key (a reject code, a libsrt log area), the
/// first few lines of each window are logged in full, the rest only counted, and the count is logged
/// when the next window opens. Every refusal is still counted in /metrics (`SRTServerCounters`).
final class RefusalLog<Key: Hashable & Sendable>: Sendable {
    private struct Window {
        var start: ContinuousClock.Instant
        var logged = 0
        var suppressed = 0
    }

    let window: Duration
    let perWindow: Int
    private let windows = Mutex<[Key: Window]>([:])

    init(window: Duration = .seconds(10), perWindow: Int = 5) {
        self.window = window
        self.perWindow = perWindow
    }

    enum Decision: Equatable {
        /// Log this refusal; `suppressedBefore` refusals of the code went unlogged in the last window.
        case log(suppressedBefore: Int)
        case suppress
    }

    func decide(_ code: Key, now: ContinuousClock.Instant = .now) -> Decision {
        windows.withLock { windows in
            if windows[code] == nil, windows.count >= 1024 { windows.removeAll() }  // bounded whatever the keys
            var current = windows[code] ?? Window(start: now)
            var suppressedBefore = 0
            if now - current.start >= window {
                suppressedBefore = current.suppressed
                current = Window(start: now)
            }
            defer { windows[code] = current }
            guard current.logged < perWindow else {
                current.suppressed += 1
                return .suppress
            }
            current.logged += 1
            return .log(suppressedBefore: suppressedBefore)
        }
    }
}
