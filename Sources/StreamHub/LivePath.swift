import Foundation
import MediaTypes
import Synchronization

/// One live path: at most one publisher, any number of readers.
///
/// The media path (a publisher's access units to its readers) runs on SRT receive-loop threads at up
/// to thousands of units per second per core, so the path's state sits behind a Mutex rather than in
/// an actor: an actor would cost a task and a hop per access unit. Control (admission, stall and
/// grace timers) takes the same lock; every critical section is short.
public final class LivePath: Sendable {
    public let name: PathName
    /// Distinguishes this path's lifetime from earlier ones of the same name (segment URIs carry it,
    /// so a segment URL is never reused for other bytes, even across server restarts).
    public let instance: String
    private let state: Mutex<State>
    /// Segment numbering per packager kind ("classic", "low-latency"): owned by the path so it
    /// survives a packager that stops when idle and starts again on demand.
    private let counters = Mutex([String: SequenceCounters]())
    /// How much recent media the path keeps so a packager started on demand can backfill.
    let backfill: Int64

    struct State {
        var status: PathStatus = .offline
        var statusSince = Date()
        var publisher: Publisher?
        var generation = 0
        var readers: [any PathReader] = []
        var tracks: [Track] = []
        var everPublished = false
        var pendingDiscontinuity = false
        var recent = RecentMedia()
        var bytesIn = 0
        var unitsIn = 0
        var publishers = 0
        var lastMediaWall: Date?
    }

    struct Publisher {
        var identity: PublisherIdentity
        var token: Int
        var since: Date
        var lastMedia: UInt64
        var connectedAt: UInt64
        var stallReported = false
    }

    init(name: PathName, backfill: Duration = .seconds(30)) {
        self.name = name
        let (seconds, attoseconds) = backfill.components
        self.backfill = seconds * AccessUnit.clockRate + attoseconds / 1_000_000_000_000_000_000 * AccessUnit.clockRate
        instance = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 36)
        state = Mutex(State())
    }

    // MARK: - Readers

    /// How much of the kept media a new reader hears first.
    public enum Backfill: Sendable {
        /// Everything kept (a packager wants a full window).
        case all
        /// From the last keyframe (a decoder wants to start at once, without a burst of old media).
        case lastKeyframe
    }

    public func addReader(_ reader: any PathReader, backfill: Backfill = .all) {
        state.withLock { state in
            state.readers.append(reader)
            Self.backfill(reader, from: state, amount: backfill)
        }
    }

    /// The reader of this type, created (and backfilled with the recent media) if there is none:
    /// packagers start when first asked for, so unwatched paths cost nothing in packaging.
    public func reader<Reader: PathReader>(of type: Reader.Type, orCreate make: () throws -> Reader) rethrows -> Reader {
        try state.withLock { state in
            if let existing = state.readers.lazy.compactMap({ $0 as? Reader }).first { return existing }
            let reader = try make()
            state.readers.append(reader)
            Self.backfill(reader, from: state)
            return reader
        }
    }

    /// A new reader first hears the current publisher's tracks and the media the path kept, from a
    /// keyframe on, then the live media.
    private static func backfill(_ reader: any PathReader, from state: State, amount: Backfill = .all) {
        guard !state.tracks.isEmpty, state.recent.tracks == state.tracks else { return }
        reader.handle(.tracks(state.tracks, discontinuity: false))
        let units = amount == .all ? state.recent.units[...] : state.recent.sinceLastKeyframe
        for unit in units { reader.handle(.accessUnit(unit)) }
        if state.publisher == nil {
            reader.handle(.publisherLeft)
            if state.status == .offline { reader.handle(.ended) }
        }
    }

    /// Detaches readers that report themselves idle (packagers nobody asked for in a while).
    func detachIdleReaders(now: ContinuousClock.Instant) -> Int {
        state.withLock { state in
            let before = state.readers.count
            state.readers.removeAll { $0.isIdle(now: now) }
            return before - state.readers.count
        }
    }

    public func removeReader(_ reader: any PathReader) {
        state.withLock { $0.readers.removeAll { $0 === reader } }
    }

    /// The first reader of a type (the packager of this path, say).
    public func reader<Reader: PathReader>(of type: Reader.Type) -> Reader? {
        state.withLock { state in state.readers.lazy.compactMap { $0 as? Reader }.first }
    }

    // MARK: - Counters owned by the path

    public func withCounters<Result>(_ kind: String, _ body: (inout SequenceCounters) -> Result) -> Result {
        counters.withLock { body(&$0[kind, default: SequenceCounters()]) }
    }

    // MARK: - Publishing

    /// Whether a new publisher may take the path now: free, or its publisher delivered nothing for
    /// `takeoverAfter` (a camera that reconnects before its old socket timed out gets straight back in).
    func isAvailable(now: UInt64, takeoverAfter: UInt64, for identity: PublisherIdentity?) -> Bool {
        state.withLock { state in
            guard let publisher = state.publisher else { return true }
            if let identity, identity.replacesSameSource, publisher.identity.source == identity.source { return true }
            return now &- publisher.lastMedia >= takeoverAfter
        }
    }

    /// Makes `identity` the publisher. Returns nil when a live publisher holds the path; otherwise
    /// the session, and the identity of a stale publisher that was taken over (to be closed).
    func attach(_ identity: PublisherIdentity, now: UInt64, takeoverAfter: UInt64) -> (PublisherSession, PublisherIdentity?)? {
        state.withLock { state -> (PublisherSession, PublisherIdentity?)? in
            var replaced: PublisherIdentity?
            if let current = state.publisher {
                let sameSource = identity.replacesSameSource && current.identity.source == identity.source
                guard sameSource || now &- current.lastMedia >= takeoverAfter else { return nil }
                replaced = current.identity
                for reader in state.readers { reader.handle(.publisherLeft) }
            }
            state.generation += 1
            state.publishers += 1
            state.publisher = Publisher(identity: identity, token: state.generation, since: Date(), lastMedia: now, connectedAt: now)
            state.pendingDiscontinuity = state.everPublished
            state.everPublished = true
            state.tracks = []
            state.status = .online
            state.statusSince = Date()
            return (PublisherSession(path: self, token: state.generation), replaced)
        }
    }

    func publish(tracks: [Track], token: Int) {
        state.withLock { state in
            guard state.publisher?.token == token else { return }
            // A program change inside one connection is a new timeline too.
            let discontinuity = state.pendingDiscontinuity || !state.tracks.isEmpty
            state.pendingDiscontinuity = false
            state.tracks = tracks
            state.recent = RecentMedia(tracks: tracks)
            for reader in state.readers { reader.handle(.tracks(tracks, discontinuity: discontinuity)) }
        }
    }

    func publish(_ unit: AccessUnit, bytes: Int, token: Int) {
        state.withLock { state in
            guard state.publisher?.token == token else { return }
            state.publisher?.lastMedia = unit.arrival
            state.unitsIn += 1
            state.bytesIn += bytes
            if state.status == .stalled {
                state.status = .online
                state.statusSince = Date()
                state.publisher?.stallReported = false
            }
            state.recent.append(unit, keep: backfill)
            for reader in state.readers { reader.handle(.accessUnit(unit)) }
        }
    }

    func detach(token: Int) -> Bool {
        state.withLock { state in
            guard state.publisher?.token == token else { return false }
            state.publisher = nil
            state.status = .reconnecting
            state.statusSince = Date()
            for reader in state.readers { reader.handle(.publisherLeft) }
            return true
        }
    }

    /// Advances the timers. Returns what changed, for the manager to log.
    func tick(now: UInt64, wallNow: Date, stallAfter: UInt64, grace: TimeInterval, retention: TimeInterval) -> TickOutcome {
        state.withLock { state in
            switch state.status {
            case .online:
                if let publisher = state.publisher, now &- publisher.lastMedia >= stallAfter, !publisher.stallReported {
                    state.publisher?.stallReported = true
                    state.status = .stalled
                    state.statusSince = wallNow
                    return .stalled
                }
            case .stalled:
                break
            case .reconnecting:
                if wallNow.timeIntervalSince(state.statusSince) >= grace {
                    state.status = .offline
                    state.statusSince = wallNow
                    for reader in state.readers { reader.handle(.ended) }
                    return .ended
                }
            case .offline:
                if state.publisher == nil, wallNow.timeIntervalSince(state.statusSince) >= retention {
                    return .expired
                }
            }
            return .none
        }
    }

    enum TickOutcome { case none, stalled, ended, expired }

    /// Closes the current publisher's connection (its key was revoked or rotated). The path then
    /// goes through the usual reconnect handling when the connection's close arrives.
    @discardableResult
    public func disconnectPublisher(reason: String) -> Bool {
        guard let identity = state.withLock({ $0.publisher?.identity }) else { return false }
        identity.close(reason)
        return true
    }

    public var snapshot: PathSnapshot {
        state.withLock { state in
            let now = MonotonicClock.now()
            let lastMedia = state.publisher.map { Date().addingTimeInterval(-Double(now &- min(now, $0.lastMedia)) / 1e9) }
            return PathSnapshot(name: name, status: state.status, since: state.statusSince,
                                publisher: state.publisher?.identity.description, tracks: state.tracks,
                                bytesIn: state.bytesIn, unitsIn: state.unitsIn, publishers: state.publishers,
                                lastMediaAt: lastMedia)
        }
    }
}

/// A publisher's handle on its path; units from a publisher that was taken over are ignored.
public struct PublisherSession: Sendable {
    let path: LivePath
    let token: Int

    public var pathName: PathName { path.name }

    public func publish(tracks: [Track]) { path.publish(tracks: tracks, token: token) }
    public func publish(_ unit: AccessUnit) { path.publish(unit, bytes: unit.data.count, token: token) }
    /// The publisher left. Returns false when it had already been replaced.
    @discardableResult public func end() -> Bool { path.detach(token: token) }
}

/// Who publishes, as the path sees it.
public struct PublisherIdentity: Sendable, CustomStringConvertible {
    /// The registered source (or the lab path) the connection speaks for.
    public var source: String
    /// A description of the connection for logs ("conn 123 from 10.0.0.5:4000").
    public var connection: String
    /// Registered sources may replace their own stale connection at once (issue 3); lab paths wait
    /// for the takeover delay.
    public var replacesSameSource: Bool
    /// Closes the connection, when another publisher takes the path over.
    public var close: @Sendable (String) -> Void

    public init(source: String, connection: String, replacesSameSource: Bool = false, close: @escaping @Sendable (String) -> Void) {
        self.source = source
        self.connection = connection
        self.replacesSameSource = replacesSameSource
        self.close = close
    }

    public var description: String { connection }
}

public struct PathSnapshot: Sendable {
    public var name: PathName
    public var status: PathStatus
    public var since: Date
    public var publisher: String?
    public var tracks: [Track]
    public var bytesIn: Int
    public var unitsIn: Int
    public var publishers: Int
    /// Wall-clock time of the last access unit from the current publisher.
    public var lastMediaAt: Date?
}
