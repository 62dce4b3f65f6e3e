import Synchronization

/// Decides whether a repeated refusal is recorded again. A player whose access ended keeps asking
/// for its playlist every second, and a forged token may be tried in a loop; the record must say
/// that it happened without growing a row per retry.
final class RefusalThrottle: Sendable {
    private let window: Duration
    private let last = Mutex<[String: ContinuousClock.Instant]>([:])

    init(window: Duration) {
        self.window = window
    }

    /// True the first time `key` is seen in `window` (and then not again until it has passed).
    func shouldRecord(_ key: String) -> Bool {
        let now = ContinuousClock.now
        return last.withLock { last in
            if let previous = last[key], now - previous < window { return false }
            if last.count > 4_096 {
                // Bounded memory whatever the callers send.
                last = last.filter { now - $0.value < window }
            }
            last[key] = now
            return true
        }
    }
}
