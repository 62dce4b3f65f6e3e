import Logging
import ServiceLifecycle
import StreamHub
import Synchronization

/// The RTSP pulls of a running gateway, one per path at most: where on-demand pulls (points) and
/// tests start and stop them. Every pull is stopped when the gateway shuts down.
public final class RTSPPulls: Sendable {
    private let paths: PathManager
    private let logger: Logger
    private let pulls = Mutex<[PathName: RTSPPull]>([:])

    init(paths: PathManager, logger: Logger) {
        self.paths = paths
        self.logger = logger
    }

    /// Starts pulling `configuration`'s camera as the publisher of `path`, and returns the pull.
    /// A pull already on the path is stopped and replaced.
    @discardableResult
    public func start(_ path: PathName, _ configuration: RTSPPull.Configuration) -> RTSPPull {
        let pull = RTSPPull(path: path, configuration: configuration, paths: paths, logger: logger)
        let previous = pulls.withLock { pulls in
            defer { pulls[path] = pull }
            return pulls[path]
        }
        previous?.stop()
        pull.start()
        return pull
    }

    /// The pull on `path`, if any.
    public func pull(for path: PathName) -> RTSPPull? {
        pulls.withLock { $0[path] }
    }

    public var all: [RTSPPull] {
        pulls.withLock { Array($0.values) }
    }

    /// Stops and forgets the pull on `path`.
    public func stop(_ path: PathName) {
        pulls.withLock { $0.removeValue(forKey: path) }?.stop()
    }

    /// Stops every pull and waits (briefly) for their sessions to end.
    func stopAll() async {
        let all = pulls.withLock { pulls in
            defer { pulls = [:] }
            return Array(pulls.values)
        }
        for pull in all { pull.stop() }
        for pull in all { await pull.waitUntilIdle(timeout: .seconds(2)) }
    }
}

/// Stops the RTSP pulls on graceful shutdown, so no session thread outlives the gateway.
struct RTSPPullService: Service {
    let pulls: RTSPPulls

    func run() async throws {
        try? await gracefulShutdown()
        await pulls.stopAll()
    }
}
