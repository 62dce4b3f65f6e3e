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

/// What a packager made on demand for a path shares with the other kind: when it was last asked
/// for (`activity`, so it can be let go) and a logger tagged with the path.
protocol OnDemandPackager: PathReader {
    var activity: Activity { get }
}

extension OnDemandPackager {
    static func pathLogger(_ logger: Logger, _ path: LivePath) -> Logger {
        var logger = logger
        logger[metadataKey: "path"] = "\(path.name)"
        return logger
    }
}
