import Foundation
import Logging
import MediaRemux
import RelayAPI
import RoomRegistry
import ServiceLifecycle
import StreamHub
import Synchronization
import Telemetry

/// Surveillance points pulled on demand (issue 15 §2): the first HLS request (or session feed)
/// for `point/<id>` starts an RTSP pull; concurrent requests for a cold point share that one pull;
/// it stops `points.idleSeconds` after the path has no reader and no session carries it. At most
/// `maxActivePulls` at once and `maxPullsPerOrganisation` per organisation; session feeds are
/// exempt from the per-organisation cap and take the place of the least recently wanted other pull
/// when the gateway is at its cap.
public final class PointPulls: OnDemandSources {
    public struct Settings: Sendable {
        public var startTimeout: Duration = .seconds(15)
        public var idleAfter: Duration = .seconds(30)
        public var maxActivePulls = 200
        public var maxPullsPerOrganisation = 40
        public init() {}
    }

    struct Entry {
        var pull: RTSPPull
        var requester: String
        var lastWanted: ContinuousClock.Instant
        var forSession: Bool
    }

    let pulls: RTSPPulls
    let paths: PathManager
    let settings: Settings
    let lookup: @Sendable (String) async throws -> RoomRegistry.PointPullSource?
    /// The point paths open sessions carry now (kept live while carried).
    let sessionFeeds: @Sendable () async -> Set<PathName>
    let logger: Logger
    let entries = Mutex<[PathName: Entry]>([:])

    public init(pulls: RTSPPulls, paths: PathManager, settings: Settings, logger: Logger,
                lookup: @escaping @Sendable (String) async throws -> RoomRegistry.PointPullSource?,
                sessionFeeds: @escaping @Sendable () async -> Set<PathName>) {
        self.pulls = pulls
        self.paths = paths
        self.settings = settings
        self.logger = logger
        self.lookup = lookup
        self.sessionFeeds = sessionFeeds
    }

    public func isOnDemand(_ path: PathName) -> Bool { path.kind == .point }

    public func pullState(_ path: PathName) -> PointState {
        entries.withLock { pullState(locked: $0, path) }
    }

    private func pullState(locked entries: [PathName: Entry], _ path: PathName) -> PointState {
        switch entries[path]?.pull.state {
        case nil, .stopped?: .idle
        case .starting?: .starting
        case .live?: .live
        case .failing?: .failing
        }
    }

    public func release(_ path: PathName, reason: String) { stop(path, reason: reason) }

    public var active: Int { entries.withLock { $0.count } }

    /// Pulls by state, for `/metrics`.
    var stateCounts: [PointState: Int] {
        entries.withLock { entries in
            var counts: [PointState: Int] = [:]
            for path in entries.keys { counts[pullState(locked: entries, path), default: 0] += 1 }
            return counts
        }
    }

    /// Declares `fieldrelay_point_pulls{state=…}`, read at scrape time.
    func declareGauges(in metrics: MetricsRegistry) {
        let help = "Surveillance point pulls by state (starting, live, failing; idle points are not pulled)."
        let gauges = [PointState.starting, .live, .failing].map { ($0, metrics.gauge("fieldrelay_point_pulls", help: help, labels: [("state", $0.rawValue)])) }
        metrics.onScrape { [self] in
            let counts = stateCounts
            for (state, gauge) in gauges { gauge.record(counts[state] ?? 0) }
        }
    }

    public func ensureLive(_ path: PathName, requester: String) async throws {
        try await ensureLive(path, requester: requester, forSession: false)
    }

    func ensureLive(_ path: PathName, requester: String, forSession: Bool) async throws {
        let pull = try await pullFor(path, requester: requester, forSession: forSession)
        let deadline = ContinuousClock.now + settings.startTimeout + .seconds(1)
        while ContinuousClock.now < deadline {
            switch pull.state {
            case .live where paths.path(path) != nil:
                return
            case .failing(let reason, _):
                throw OnDemandRefusal(status: 503, code: "camera_\(reason.kind.rawValue.replacingOccurrences(of: " ", with: "_"))",
                                      message: "\(path) did not come up: \(reason.message)")
            case .stopped:
                throw OnDemandRefusal(status: 503, code: "camera_stopped", message: "\(path): its pull was stopped")
            default:
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw OnDemandRefusal(status: 503, code: "camera_timed_out",
                              message: "\(path) did not send a keyframe within points.startTimeoutSeconds (\(settings.startTimeout))")
    }

    /// The pull of `path`, started if there is none (one for any number of concurrent callers).
    func pullFor(_ path: PathName, requester: String, forSession: Bool) async throws -> RTSPPull {
        if let existing = touch(path, forSession: forSession) { return existing }
        guard let source = try await lookup(path.id) else {
            throw OnDemandRefusal(status: 404, code: "no_point", message: "no point \(path.id) in the registry")
        }
        guard source.enabled else {
            throw OnDemandRefusal(status: 409, code: "point_disabled", message: "point \(path.id) is disabled")
        }
        var evicted: RTSPPull?
        let pull: RTSPPull = try entries.withLock { entries in
            // Another caller may have started it while the registry was read.
            if var entry = entries[path] {
                entry.lastWanted = .now
                entry.forSession = entry.forSession || forSession
                entries[path] = entry
                return entry.pull
            }
            if !forSession, entries.values.filter({ $0.requester == requester && !$0.forSession }).count >= settings.maxPullsPerOrganisation {
                throw OnDemandRefusal(status: 503, code: "too_many_pulls",
                                      message: "\(requester) already pulls \(settings.maxPullsPerOrganisation) points (points.maxPullsPerOrganisation)")
            }
            if entries.count >= settings.maxActivePulls {
                guard forSession, let victim = entries.filter({ !$0.value.forSession }).min(by: { $0.value.lastWanted < $1.value.lastWanted }) else {
                    throw OnDemandRefusal(status: 503, code: "too_many_pulls",
                                          message: "the gateway already pulls \(settings.maxActivePulls) points (points.maxActivePulls)")
                }
                evicted = victim.value.pull
                entries[victim.key] = nil
            }
            guard source.kind == .rtsp else {
                throw OnDemandRefusal(status: 501, code: "source_not_supported", message: "point \(path.id)'s source is \(source.kind.rawValue), not pulled yet")
            }
            var configuration = RTSPSource.Configuration(url: source.url, transport: RTSPSource.Configuration.Transport(rawValue: source.transport.rawValue) ?? .tcp,
                                                         username: source.username, password: source.password)
            configuration.startTimeout = settings.startTimeout
            let pull = pulls.start(path, RTSPPull.Configuration(source: configuration))
            entries[path] = Entry(pull: pull, requester: requester, lastWanted: .now, forSession: forSession)
            return pull
        }
        if let evicted {
            logger.notice("points: \(evicted.path) let go for a session feed (points.maxActivePulls reached)")
            pulls.stop(evicted.path)
        }
        logger.notice("points: pulling \(path) for \(requester)\(forSession ? " (session feed)" : "")")
        return pull
    }

    func touch(_ path: PathName, forSession: Bool) -> RTSPPull? {
        entries.withLock { entries in
            guard var entry = entries[path] else { return nil }
            entry.lastWanted = .now
            entry.forSession = entry.forSession || forSession
            entries[path] = entry
            return entry.pull
        }
    }

    /// Starts pulls for the points open sessions carry (a feed attached before anyone watched).
    func followSessions(_ carried: Set<PathName>) {
        let missing = entries.withLock { entries in carried.filter { $0.kind == .point && entries[$0] == nil } }
        for path in missing {
            Task {
                do {
                    try await ensureLive(path, requester: "session", forSession: true)
                } catch {
                    logger.warning("points: \(path), attached to a session, is not live: \(error)")
                }
            }
        }
    }

    /// A point deleted or disabled while live: its pull stops and its viewers are cut.
    func checkRegistry() async {
        for path in entries.withLock({ Array($0.keys) }) {
            let source: RoomRegistry.PointPullSource?
            do {
                source = try await lookup(path.id)
            } catch {
                continue  // the registry could not be read: keep the pull, try again later
            }
            if source == nil { stop(path, reason: "the point was deleted") } else if source?.enabled == false { stop(path, reason: "the point was disabled") }
        }
    }

    /// Stops pulls nobody needs: no reader on the path and no session carrying it for `idleAfter`.
    func reap() async {
        let carried = await sessionFeeds()
        followSessions(carried)
        let now = ContinuousClock.now
        let idle: [PathName] = entries.withLock { entries in
            var idle: [PathName] = []
            for (path, var entry) in entries {
                let readers = paths.path(path)?.readerCount ?? 0
                entry.forSession = carried.contains(path)
                if readers > 0 || entry.forSession {
                    entry.lastWanted = now
                    entries[path] = entry
                } else if now - entry.lastWanted >= settings.idleAfter {
                    entries[path] = nil
                    idle.append(path)
                } else {
                    entries[path] = entry
                }
            }
            return idle
        }
        for path in idle {
            logger.notice("points: \(path) stopped after \(settings.idleAfter) without a reader or a session feed")
            pulls.stop(path)
            // Nobody watches: end the path now rather than after the reconnect grace.
            _ = paths.path(path)?.disconnectPublisher(reason: "idle")
        }
    }

    /// A point deleted or disabled while live: its pull stops and its viewers are cut.
    public func stop(_ path: PathName, reason: String) {
        guard entries.withLock({ $0.removeValue(forKey: path) }) != nil else { return }
        logger.notice("points: \(path) stopped: \(reason)")
        pulls.stop(path)
        _ = paths.path(path)?.disconnectPublisher(reason: reason)
    }
}

/// Reaps idle point pulls once a second, and starts pulls for point feeds sessions attach.
struct PointPullService: Service {
    let points: PointPulls

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var tick = 0
            while !Task.isCancelled {
                await points.reap()
                if tick % 5 == 0 { await points.checkRegistry() }
                tick += 1
                do { try await Task.sleep(for: .seconds(1)) } catch { return }
            }
        }
    }
}
