import NIOCore
import Synchronization

/// The HTTP connections open now on both ports (plain HTTP and HTTPS count against one limit), and
/// which of them are idle. At the limit, a new connection takes the place of the one idle longest
/// (as nginx reuses keep-alive connections when it runs out): ten thousand idle sockets opened by an
/// attacker then cannot lock a command hall out, while connections busy with a request are never cut
/// for a newcomer.
///
/// A connection is busy while it has requests in progress. Each `HTTPEdgeGuard` that works on a
/// connection reports its own requests with balanced `requestStarted`/`requestEnded` calls: over
/// plain HTTP/1 the connection's one guard, over HTTPS one guard per HTTP/2 stream (or the TLS
/// connection's own guard under HTTP/1.1). Slot ids are never reused, so a call for a connection
/// already closed or evicted does nothing.
final class HTTPConnectionSlots: Sendable {
    private enum Admission {
        case admitted(id: Int, evicted: (any Channel)?)
        case refused
    }

    private struct Entry {
        var channel: any Channel
        /// Requests in progress on the connection; idle at zero.
        var requestsInProgress = 0
        /// Set while idle; matches the queue entry that made it idle (older queue entries are stale).
        var idleGeneration: Int?
    }

    private struct State {
        var nextID = 0
        var generation = 0
        var open: [Int: Entry] = [:]
        /// Open connections with requests in progress.
        var busy = 0
        /// Each open connection's slot by its channel, for the guards that join a connection (HTTP/2
        /// streams find theirs by their parent). The entry holds the channel, so while it is here
        /// its identifier cannot be reused by another channel.
        var byChannel: [ObjectIdentifier: Int] = [:]
        /// Idle connections in the order they became idle, with lazy deletion: an entry counts only if
        /// its connection is still open and idle with the same generation.
        var idleQueue: [(id: Int, generation: Int)] = []
        var idleHead = 0
    }

    let limit: Int
    private let counters: HTTPEdgeCounters
    private let state = Mutex(State())

    init(limit: Int, counters: HTTPEdgeCounters) {
        self.limit = limit
        self.counters = counters
    }

    var count: Int { state.withLock { $0.open.count } }

    /// Takes a slot for a new connection, idle until its first request. At the limit the connection
    /// idle longest is closed to make room; when none is idle the newcomer is refused (nil) and the
    /// caller closes it. Both are counted.
    func take(_ channel: any Channel) -> Int? {
        let admission = withState { state -> Admission in
            var evicted: (any Channel)?
            if state.open.count >= limit {
                guard let oldest = Self.popOldestIdle(&state) else { return .refused }
                evicted = Self.remove(oldest, &state)
            }
            state.nextID += 1
            let id = state.nextID
            state.open[id] = Entry(channel: channel)
            state.byChannel[ObjectIdentifier(channel)] = id
            Self.markIdle(id, &state)
            return .admitted(id: id, evicted: evicted)
        }
        switch admission {
        case .refused:
            counters.connectionsRefused.add(1, ordering: .relaxed)
            return nil
        case .admitted(let id, let evicted):
            if let evicted {
                counters.idleEvicted.add(1, ordering: .relaxed)
                evicted.close(promise: nil)
            }
            return id
        }
    }

    /// The slot of an open connection, by its channel.
    func slot(of channel: any Channel) -> Int? {
        state.withLock { $0.byChannel[ObjectIdentifier(channel)] }
    }

    /// One more request in progress on the connection: it is busy, not to be evicted.
    func requestStarted(_ id: Int) {
        withState { state in
            guard var entry = state.open[id] else { return }
            if entry.requestsInProgress == 0 { state.busy += 1 }
            entry.requestsInProgress += 1
            entry.idleGeneration = nil
            state.open[id] = entry
        }
    }

    /// A request started with `requestStarted` has ended; with none left the connection is idle
    /// (and joins the eviction queue behind those idle longer).
    func requestEnded(_ id: Int) {
        withState { state in
            guard var entry = state.open[id], entry.requestsInProgress > 0 else { return }
            entry.requestsInProgress -= 1
            state.open[id] = entry
            if entry.requestsInProgress == 0 {
                state.busy -= 1
                Self.markIdle(id, &state)
            }
        }
    }

    /// The connection closed: its slot is free. Nothing happens if it was evicted already.
    func release(_ id: Int) {
        withState { state in _ = Self.remove(id, &state) }
    }

    /// Requests in progress on a connection (nil once it is closed or evicted); for tests.
    func requestsInProgress(_ id: Int) -> Int? {
        state.withLock { $0.open[id]?.requestsInProgress }
    }

    /// Runs `body` on the state and publishes the gauges while still holding the lock, so that
    /// concurrent changes cannot store their figures out of order.
    private func withState<Result: Sendable>(_ body: (inout State) -> Result) -> Result {
        state.withLock { state in
            let result = body(&state)
            counters.connectionsActive.store(state.open.count, ordering: .relaxed)
            counters.connectionsBusy.store(state.busy, ordering: .relaxed)
            return result
        }
    }

    private static func remove(_ id: Int, _ state: inout State) -> (any Channel)? {
        guard let entry = state.open.removeValue(forKey: id) else { return nil }
        state.byChannel.removeValue(forKey: ObjectIdentifier(entry.channel))
        if entry.requestsInProgress > 0 { state.busy -= 1 }
        return entry.channel
    }

    private static func markIdle(_ id: Int, _ state: inout State) {
        state.generation += 1
        state.open[id]?.idleGeneration = state.generation
        state.idleQueue.append((id, state.generation))
        // Keep the queue from growing without bound: drop consumed and stale entries now and then.
        if state.idleQueue.count > 4 * max(state.open.count, 1024) {
            let open = state.open
            state.idleQueue = state.idleQueue[state.idleHead...].filter { open[$0.id]?.idleGeneration == $0.generation }
            state.idleHead = 0
        }
    }

    private static func popOldestIdle(_ state: inout State) -> Int? {
        while state.idleHead < state.idleQueue.count {
            let candidate = state.idleQueue[state.idleHead]
            state.idleHead += 1
            if let entry = state.open[candidate.id], entry.idleGeneration == candidate.generation {
                return candidate.id
            }
        }
        state.idleQueue.removeAll(keepingCapacity: true)
        state.idleHead = 0
        return nil
    }
}
