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
    private let counters = Mutex([String: SharedSequenceCounters]())
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
        /// Readers still hearing their backfill, with the live events queued for them meanwhile.
        var joining: [ObjectIdentifier: [PathEvent]] = [:]
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
        self.backfill = backfill.ticks(at: AccessUnit.clockRate)
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
        let replay = state.withLock { state in Self.join(reader, &state, amount: backfill) }
        deliver(replay, to: reader)
    }

    /// The reader of this type, created (and backfilled with the recent media) if there is none:
    /// packagers start when first asked for, so unwatched paths cost nothing in packaging.
    public func reader<Reader: PathReader>(of type: Reader.Type, orCreate make: () throws -> Reader) rethrows -> Reader {
        let (reader, replay) = try state.withLock { state -> (Reader, Replay?) in
            if let existing = state.readers.lazy.compactMap({ $0 as? Reader }).first { return (existing, nil) }
            let reader = try make()
            return (reader, Self.join(reader, &state, amount: .all))
        }
        if let replay { deliver(replay, to: reader) }
        return reader
    }

    /// What a joining reader hears before the live media: the current publisher's tracks and the
    /// media the path kept, from a keyframe on.
    struct Replay {
        var reader: ObjectIdentifier
        var events: [PathEvent]
    }

    /// Adds `reader` under the lock and takes what it must replay. The replay itself runs outside
    /// the lock (`deliver`): muxing up to `paths.backfillSeconds` of media takes milliseconds, and the
    /// publisher's receive loop, which needs this lock for every access unit, must not wait for it.
    /// Live events that arrive meanwhile are queued for the reader and follow the replay in order.
    private static func join(_ reader: any PathReader, _ state: inout State, amount: Backfill) -> Replay {
        state.readers.append(reader)
        var events: [PathEvent] = []
        if !state.tracks.isEmpty, state.recent.tracks == state.tracks {
            events.append(.tracks(state.tracks, discontinuity: false))
            let units = amount == .all ? state.recent.units[...] : state.recent.sinceLastKeyframe
            events.reserveCapacity(units.count + 3)
            for unit in units { events.append(.accessUnit(unit)) }
            if state.publisher == nil {
                events.append(.publisherLeft)
                if state.status == .offline { events.append(.ended) }
            }
        }
        let id = ObjectIdentifier(reader)
        state.joining[id] = []
        return Replay(reader: id, events: events)
    }

    /// Replays, then hands the reader over to live delivery once no queued event is left. Live
    /// events are delivered under the path lock; the hand-over happens under it too, so the reader
    /// sees every event once, in order.
    private func deliver(_ replay: Replay, to reader: any PathReader) {
        var batch = replay.events
        while true {
            for event in batch { reader.handle(event) }
            let next = state.withLock { state -> [PathEvent]? in
                guard let queued = state.joining[replay.reader], !queued.isEmpty else {
                    state.joining[replay.reader] = nil
                    return nil
                }
                state.joining[replay.reader] = []
                return queued
            }
            guard let next else { return }
            batch = next
        }
    }

    /// Sends a live event to every reader, or queues it for a reader still being replayed to.
    private static func broadcast(_ event: PathEvent, _ state: inout State) {
        if state.joining.isEmpty {
            for reader in state.readers { reader.handle(event) }
            return
        }
        for reader in state.readers {
            let id = ObjectIdentifier(reader)
            if state.joining[id] != nil {
                state.joining[id]?.append(event)
            } else {
                reader.handle(event)
            }
        }
    }

    /// Detaches readers that report themselves idle (packagers nobody asked for in a while).
    func detachIdleReaders(now: ContinuousClock.Instant) -> Int {
        state.withLock { state in
            let before = state.readers.count
            state.readers.removeAll { reader in
                guard reader.isIdle(now: now) else { return false }
                state.joining[ObjectIdentifier(reader)] = nil
                return true
            }
            return before - state.readers.count
        }
    }

    public func removeReader(_ reader: any PathReader) {
        state.withLock { state in
            state.readers.removeAll { $0 === reader }
            state.joining[ObjectIdentifier(reader)] = nil
        }
    }

    /// The first reader of a type (the packager of this path, say).
    public func reader<Reader: PathReader>(of type: Reader.Type) -> Reader? {
        state.withLock { state in state.readers.lazy.compactMap { $0 as? Reader }.first }
    }

    // MARK: - Counters owned by the path

    /// The segment numbering of one packager kind ("classic", "low-latency") on this path.
    public func counters(_ kind: String) -> SharedSequenceCounters {
        counters.withLock { all in
            if let existing = all[kind] { return existing }
            let made = SharedSequenceCounters()
            all[kind] = made
            return made
        }
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
                Self.broadcast(.publisherLeft, &state)
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
            Self.broadcast(.tracks(tracks, discontinuity: discontinuity), &state)
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
            Self.broadcast(.accessUnit(unit), &state)
        }
    }

    func detach(token: Int) -> Bool {
        state.withLock { state in
            guard state.publisher?.token == token else { return false }
            state.publisher = nil
            state.status = .reconnecting
            state.statusSince = Date()
            Self.broadcast(.publisherLeft, &state)
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
                    Self.broadcast(.ended, &state)
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

    /// How many readers the path has (packagers, recorders, SRT readers): what an on-demand source
    /// watches to know when nobody needs it any more.
    public var readerCount: Int { state.withLock { $0.readers.count } }

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
