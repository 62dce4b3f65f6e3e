import Logging
import StreamHub
import Synchronization

/// When a packager was last asked for, so an idle one can be detached from its path.
final class Activity: Sendable {
    private let last = Mutex(ContinuousClock.now)
    private let idleTimeout: Duration?

    init(idleTimeout: Duration?) {
        self.idleTimeout = idleTimeout
    }

    func touch() {
        last.withLock { $0 = ContinuousClock.now }
    }

    func isIdle(now: ContinuousClock.Instant) -> Bool {
        guard let idleTimeout else { return false }
        return last.withLock { now - $0 > idleTimeout }
    }
}

/// A packager's logger: the one it was given, with the path in every line's metadata.
func packagerLogger(_ logger: Logger, for path: LivePath) -> Logger {
    var logger = logger
    logger[metadataKey: "path"] = "\(path.name)"
    return logger
}
