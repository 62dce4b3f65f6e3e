import Foundation
import Logging
import MediaTypes
import Synchronization

/// All live paths. Paths are created when a publisher is accepted and removed after they have been
/// offline for the retention time; readers are attached by the factory given at start.
public final class PathManager: Sendable {
    public struct Configuration: Sendable {
        /// A live path's publisher that delivered nothing for this long may be replaced (1 s).
        public var takeoverAfter: Duration = .seconds(1)
        /// A connected publisher with no media for this long is reported stalled (5 s).
        public var stallAfter: Duration = .seconds(5)
        /// How long a publisher may be gone and still continue the same playlist (30 s).
        public var reconnectGrace: Duration = .seconds(30)
        /// How long an ended path stays readable before it is forgotten (5 min).
        public var retention: Duration = .seconds(300)
        /// Recent media a path keeps (from a keyframe) so a packager started on demand backfills
        /// at once: at least the longest playlist window.
        public var backfill: Duration = .seconds(30)

        public init() {}
    }

    public let configuration: Configuration
    private let paths = Mutex<[PathName: LivePath]>([:])
    private let makeReaders: @Sendable (LivePath) -> [any PathReader]
    private let logger: Logger

    public init(configuration: Configuration, logger: Logger, makeReaders: @escaping @Sendable (LivePath) -> [any PathReader]) {
        self.configuration = configuration
        self.logger = logger
        self.makeReaders = makeReaders
    }

    public func path(_ name: PathName) -> LivePath? {
        paths.withLock { $0[name] }
    }

    public func allPaths() -> [LivePath] {
        paths.withLock { Array($0.values) }.sorted { $0.name < $1.name }
    }

    /// For the listen callback: could `identity` publish on `name` right now? (No reservation: a
    /// path is taken only when the connection is accepted.)
    public func canPublish(_ name: PathName, identity: PublisherIdentity? = nil, now: UInt64 = MonotonicClock.now()) -> Bool {
        guard let path = path(name) else { return true }
        return path.isAvailable(now: now, takeoverAfter: configuration.takeoverAfter.inNanoseconds, for: identity)
    }

    /// Makes the connection the publisher of `name`, creating the path if needed. Throws `pathBusy`
    /// when a live publisher holds it. A stale publisher is closed and replaced.
    public func attachPublisher(_ name: PathName, identity: PublisherIdentity, now: UInt64 = MonotonicClock.now()) throws(StreamHubError) -> PublisherSession {
        let path = paths.withLock { paths -> (LivePath, Bool) in
            if let existing = paths[name] { return (existing, false) }
            let created = LivePath(name: name, backfill: configuration.backfill)
            paths[name] = created
            return (created, true)
        }
        if path.1 {
            for reader in makeReaders(path.0) { path.0.addReader(reader) }
        }
        guard let (session, replaced) = path.0.attach(identity, now: now, takeoverAfter: configuration.takeoverAfter.inNanoseconds) else {
            throw StreamHubError(.pathBusy, "\(name) already has a live publisher")
        }
        if let replaced {
            logger.notice("publisher taken over", metadata: ["path": "\(name)", "old": "\(replaced)", "new": "\(identity)"])
            replaced.close("taken over by \(identity.connection)")
        }
        logger.info("publisher online", metadata: ["path": "\(name)", "conn": "\(identity)"])
        return session
    }

    /// Timers: stall, end of grace, retention. Call about twice a second.
    public func tick(now: UInt64 = MonotonicClock.now(), wallNow: Date = Date()) {
        var expired: [PathName] = []
        let instant = ContinuousClock.now
        for path in allPaths() {
            _ = path.detachIdleReaders(now: instant)
            let outcome = path.tick(now: now, wallNow: wallNow,
                                    stallAfter: configuration.stallAfter.inNanoseconds,
                                    grace: configuration.reconnectGrace.inSeconds,
                                    retention: configuration.retention.inSeconds)
            switch outcome {
            case .none: break
            case .stalled:
                logger.warning("publisher stalled: connected but no media", metadata: [
                    "path": "\(path.name)", "afterSeconds": "\(configuration.stallAfter.inSeconds)"])
            case .ended:
                logger.info("path ended: publisher did not return within the grace window", metadata: ["path": "\(path.name)"])
            case .expired:
                expired.append(path.name)
            }
        }
        guard !expired.isEmpty else { return }
        paths.withLock { paths in
            for name in expired { paths[name] = nil }
        }
        for name in expired { logger.debug("path forgotten", metadata: ["path": "\(name)"]) }
    }

    public var activePublishers: Int {
        allPaths().reduce(0) { $0 + ($1.snapshot.status == .online || $1.snapshot.status == .stalled ? 1 : 0) }
    }
}
