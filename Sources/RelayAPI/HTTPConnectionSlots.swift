import NIOCore
import Synchronization

/// The plain-HTTP connections open now, and which of them are idle. At the limit, a new connection
/// takes the place of the one idle longest (as nginx reuses keep-alive connections when it runs
/// out): ten thousand idle sockets opened by an attacker then cannot lock a command hall out, while
/// connections busy with a request are never cut for a newcomer.
final class HTTPConnectionSlots: Sendable {
    enum Admission {
        case admitted(id: Int, evicted: (any Channel)?)
        case refused
    }

    private struct Entry {
        var channel: any Channel
        /// Set while idle; matches the queue entry that made it idle (older queue entries are stale).
        var idleGeneration: Int?
    }

    private struct State {
        var nextID = 0
        var generation = 0
        var open: [Int: Entry] = [:]
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

    /// A new connection, idle until its first request head.
    func admit(_ channel: any Channel) -> Admission {
        let admission = state.withLock { state -> Admission in
            var evicted: (any Channel)?
            if state.open.count >= limit {
                guard let oldest = Self.popOldestIdle(&state) else { return .refused }
                evicted = state.open.removeValue(forKey: oldest)?.channel
            }
            state.nextID += 1
            let id = state.nextID
            state.open[id] = Entry(channel: channel, idleGeneration: nil)
            Self.markIdle(id, &state)
            return .admitted(id: id, evicted: evicted)
        }
        counters.connectionsActive.store(count, ordering: .relaxed)
        return admission
    }

    func setIdle(_ id: Int, _ idle: Bool) {
        state.withLock { state in
            guard state.open[id] != nil else { return }
            if idle {
                if state.open[id]?.idleGeneration == nil { Self.markIdle(id, &state) }
            } else {
                state.open[id]?.idleGeneration = nil
            }
        }
    }

    func release(_ id: Int) {
        let remaining = state.withLock { state -> Int in
            state.open.removeValue(forKey: id)
            return state.open.count
        }
        counters.connectionsActive.store(remaining, ordering: .relaxed)
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
