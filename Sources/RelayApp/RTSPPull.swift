import Foundation
import Logging
import MediaRemux
import MediaTypes
import StreamHub
import Synchronization

/// An RTSP camera pulled as the publisher of a path: its media reaches the path through the same
/// `PathManager` publisher API as an SRT camera's (`IngestSession`), so HLS, SRT reads and
/// recording work unchanged. Each session is an `RTSPSource` on a thread of its own; the tracks
/// and access units are published from that thread, as an SRT publisher's are from its receive
/// loop, with no hop in between.
///
/// The path is attached at the first keyframe (a camera that never comes up creates no path). A
/// session that fails or is dropped by the camera ends the publisher (the path is `reconnecting`)
/// and is retried after a back-off (`initialBackoff`, doubled up to `maxBackoff`, back to the
/// start once a session went live); a session back within the path's reconnect grace continues
/// its playlist after an `EXT-X-DISCONTINUITY`, as a returning SRT camera's does. No on-demand
/// logic here: `start`, `stop`, `state`.
public final class RTSPPull: Sendable {
    public struct Configuration: Sendable {
        public var source: RTSPSource.Configuration
        /// The wait before the first retry; doubled after each failed attempt (1 s).
        public var initialBackoff: Duration
        /// The longest wait between attempts (30 s).
        public var maxBackoff: Duration

        public init(source: RTSPSource.Configuration, initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(30)) {
            self.source = source
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
        }
    }

    /// Why the camera is not live, as the API and the logs say it.
    public struct Failure: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            case authenticationFailed = "authentication failed"
            case refused
            case timedOut = "timed out"
            case noVideo = "no video"
            case notFound = "not found"
            case connectionLost = "connection lost"
            case takenOver = "taken over"
            case error
        }

        public var kind: Kind
        /// In words, never with credentials: "authentication failed: the camera refused the
        /// credentials (RTSP 401)", "connection refused by 10.0.0.5:554", ...
        public var message: String

        public var description: String { message }

        init(_ error: MediaError) {
            switch error.code {
            case .authenticationFailed: kind = .authenticationFailed
            case .connectionRefused: kind = .refused
            case .timedOut: kind = .timedOut
            case .noVideo: kind = .noVideo
            case .notFound: kind = .notFound
            case .connectionLost: kind = .connectionLost
            default: kind = .error
            }
            message = error.message
        }

        init(kind: Kind, message: String) {
            self.kind = kind
            self.message = message
        }
    }

    public enum State: Sendable, Equatable, CustomStringConvertible {
        /// Started, not live yet (connecting, or waiting for the first keyframe).
        case starting
        case live
        /// The last attempt failed (or the live session was lost) for `reason`; failing since
        /// `since`, retried with back-off.
        case failing(reason: Failure, since: Date)
        case stopped

        public var description: String {
            switch self {
            case .starting: "starting"
            case .live: "live"
            case .failing(let reason, _): "failing: \(reason.message)"
            case .stopped: "stopped"
            }
        }
    }

    public let path: PathName
    public let configuration: Configuration
    private let paths: PathManager
    private let logger: Logger
    private let inner = Mutex(Inner())

    private struct Inner {
        var state: State = .stopped
        var running = false
        /// No more attempts (taken over by another publisher).
        var halted = false
        var attempt = 0
        var source: RTSPSource?
        var sourceRunning = false
        var failures = 0
        var retry: Task<Void, Never>?
        var lastReport = RTSPSource.Report()
        var sessions = 0
    }

    /// One session's publisher handle. Touched only on that session's thread (events, then its end).
    private final class Attempt: @unchecked Sendable {
        let id: Int
        var session: PublisherSession?
        var wentLive = false

        init(id: Int) {
            self.id = id
        }
    }

    public init(path: PathName, configuration: Configuration, paths: PathManager, logger: Logger) {
        self.path = path
        self.configuration = configuration
        self.paths = paths
        var logger = logger
        logger[metadataKey: "path"] = "\(path)"
        logger[metadataKey: "camera"] = "\(configuration.source.displayURL)"
        self.logger = logger
    }

    public var state: State { inner.withLock { $0.state } }

    /// The current (or last) session's report: the camera's streams, the ones left out with the
    /// reason and the packets dropped (G.711 audio, say), and the intake's counters.
    public var report: RTSPSource.Report {
        inner.withLock { state in state.source?.report ?? state.lastReport }
    }

    /// Streams left out (audio HLS cannot carry, a second video stream), with reasons and counts.
    public var droppedStreams: [PacketAdapter.DroppedStream] { report.dropped }

    /// Sessions started so far (the first, then each reconnect).
    public var sessions: Int { inner.withLock { $0.sessions } }

    /// Starts pulling (no effect when already running).
    public func start() {
        let begin = inner.withLock { state -> Bool in
            guard !state.running else { return false }
            state.running = true
            state.halted = false
            state.failures = 0
            state.state = .starting
            return true
        }
        if begin {
            logger.info("RTSP pull started", metadata: ["transport": "\(configuration.source.transport.rawValue)"])
            attempt()
        }
    }

    /// Stops pulling: the session is interrupted and its publisher ends (the path goes to
    /// `reconnecting`, then ends after the grace window). Returns at once.
    public func stop() {
        let source = inner.withLock { state -> RTSPSource? in
            guard state.running else { return nil }
            state.running = false
            state.state = .stopped
            state.retry?.cancel()
            state.retry = nil
            return state.source
        }
        source?.stop()
        logger.info("RTSP pull stopped")
    }

    /// Waits until the session's thread has finished (after `stop`), at most `timeout`.
    @discardableResult
    public func waitUntilIdle(timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while inner.withLock({ $0.sourceRunning }) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    private func attempt() {
        let prepared = inner.withLock { state -> (RTSPSource, Attempt)? in
            guard state.running, !state.halted, !state.sourceRunning else { return nil }
            state.attempt += 1
            state.sessions += 1
            let attempt = Attempt(id: state.attempt)
            let source = RTSPSource(configuration: configuration.source, logger: logger,
                                    onEvent: { [weak self] event in self?.handle(event, in: attempt) },
                                    onEnd: { [weak self] error in
                                        // The publisher ends even if the pull itself is gone.
                                        attempt.session?.end()
                                        attempt.session = nil
                                        self?.ended(attempt, error)
                                    })
            state.source = source
            state.sourceRunning = true
            return (source, attempt)
        }
        prepared?.0.start()
    }

    private func handle(_ event: TransportStreamReader.Event, in attempt: Attempt) {
        switch event {
        case .tracks(let tracks):
            if attempt.session == nil {
                guard inner.withLock({ $0.running && !$0.halted && $0.attempt == attempt.id }) else { return }
                do {
                    let identity = PublisherIdentity(
                        source: path.description, connection: "rtsp \(configuration.source.displayURL) #\(attempt.id)",
                        replacesSameSource: true, close: { [weak self] reason in self?.takenOver(reason, attempt: attempt.id) })
                    attempt.session = try paths.attachPublisher(path, identity: identity)
                } catch {
                    // A live SRT publisher holds the path: this session has nowhere to go.
                    halt(Failure(kind: .takenOver, message: "the path has another live publisher"))
                    return
                }
            }
            attempt.session?.publish(tracks: tracks)
            if !attempt.wentLive {
                attempt.wentLive = true
                inner.withLock { state in
                    guard state.running, state.attempt == attempt.id else { return }
                    state.state = .live
                    state.failures = 0
                }
                logger.info("RTSP camera live", metadata: ["tracks": "\(tracks.map(\.description).joined(separator: ", "))"])
            }
        case .accessUnit(let unit):
            attempt.session?.publish(unit)
        }
    }

    private func ended(_ attempt: Attempt, _ error: MediaError) {
        let retry = inner.withLock { state -> Duration? in
            if state.attempt == attempt.id {
                state.sourceRunning = false
                state.lastReport = state.source?.report ?? state.lastReport
                state.source = nil
            }
            guard state.running, !state.halted, state.attempt == attempt.id else { return nil }
            if error.code == .stopped {
                // Stopped, then started again before this session had finished: begin now.
                state.retry = Task { [weak self] in self?.attempt() }
                return nil
            }
            let failure = Failure(error)
            var since = Date()
            if case .failing(_, let earlier) = state.state { since = earlier }
            state.state = .failing(reason: failure, since: since)
            state.failures = attempt.wentLive ? 1 : state.failures + 1
            let delay = backoff(after: state.failures)
            state.retry = Task { [weak self] in
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    return
                }
                self?.attempt()
            }
            return delay
        }
        if let retry {
            logger.warning("RTSP camera failed; retrying", metadata: [
                "reason": "\(error.message)", "retryInSeconds": "\(retry.inSeconds)", "wasLive": "\(attempt.wentLive)"])
        } else if error.code != .stopped {
            logger.info("RTSP session ended", metadata: ["reason": "\(error.message)"])
        }
    }

    /// `initialBackoff` doubled for each failure after the first, at most `maxBackoff`.
    func backoff(after failures: Int) -> Duration {
        var delay = configuration.initialBackoff
        for _ in 1..<max(1, min(failures, 20)) {
            delay = delay * 2
            if delay >= configuration.maxBackoff { return configuration.maxBackoff }
        }
        return min(delay, configuration.maxBackoff)
    }

    /// Another publisher took the path over: this pull gives up rather than fight for it.
    private func takenOver(_ reason: String, attempt id: Int) {
        guard inner.withLock({ $0.attempt == id }) else { return }
        halt(Failure(kind: .takenOver, message: "taken over: \(reason)"))
    }

    private func halt(_ failure: Failure) {
        let source = inner.withLock { state -> RTSPSource? in
            guard state.running, !state.halted else { return nil }
            state.halted = true
            state.state = .failing(reason: failure, since: Date())
            state.retry?.cancel()
            state.retry = nil
            return state.source
        }
        source?.stop()
        logger.warning("RTSP pull halted", metadata: ["reason": "\(failure.message)"])
    }
}
