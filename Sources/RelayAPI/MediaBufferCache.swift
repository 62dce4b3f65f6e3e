import Hummingbird
import Synchronization

/// Recently served segments, parts and init sections as ready-made `ByteBuffer`s. Their names carry
/// the path instance and sequence numbers, so the bytes behind a name never change and a cached
/// buffer never goes stale; sharing one saves a copy of up to a megabyte per request, which is
/// most of what a busy video wall costs beyond the socket writes.
///
/// Entries also expire by age: players ask for a segment while it is in the playlist, so an old
/// entry only holds memory. Without expiry the cache kept the bytes of cameras long gone (a path
/// that ended, or flapped a thousand times) up to `maximumBytes` for ever: the flapping-camera
/// harness (scripts/faults/flap.sh) saw the gateway's RSS stay 250 MB up after every path had
/// been forgotten. An expired entry that is asked for again is rebuilt from its packager, if the
/// packager still has it.
public final class MediaBufferCache: Sendable {
    private struct Entry {
        var buffer: ByteBuffer
        var added: ContinuousClock.Instant
    }

    private struct State {
        var buffers: [String: Entry] = [:]
        var order: [String] = []   // insertion order: the oldest first
        var bytes = 0
    }

    private let state = Mutex(State())
    let maximumBytes: Int
    let maximumAge: Duration

    /// Expired entries are also dropped on every insertion; `evictExpired(now:)` drops them when no
    /// request comes (the application runs it periodically as a service of its ServiceGroup).
    public init(maximumBytes: Int = 256 * 1024 * 1024, maximumAge: Duration = .seconds(60)) {
        self.maximumBytes = maximumBytes
        self.maximumAge = maximumAge
    }

    /// The cached buffer for `key`, or the one `make` builds (then kept, oldest evicted first).
    func buffer(for key: String, now: ContinuousClock.Instant = .now, make: () -> [UInt8]?) -> ByteBuffer? {
        if let hit = state.withLock({ $0.buffers[key]?.buffer }) { return hit }
        guard let bytes = make() else { return nil }
        let buffer = ByteBuffer(bytes: bytes)
        state.withLock { state in
            guard state.buffers[key] == nil else { return }
            state.buffers[key] = Entry(buffer: buffer, added: now)
            state.order.append(key)
            state.bytes += buffer.readableBytes
            Self.evict(&state, olderThan: now - maximumAge)
            while state.bytes > maximumBytes, !state.order.isEmpty {
                Self.removeOldest(&state)
            }
        }
        return buffer
    }

    /// Drops the entries older than `maximumAge`.
    public func evictExpired(now: ContinuousClock.Instant) {
        state.withLock { Self.evict(&$0, olderThan: now - maximumAge) }
    }

    var cachedBytes: Int { state.withLock { $0.bytes } }

    private static func evict(_ state: inout State, olderThan limit: ContinuousClock.Instant) {
        var expired = 0
        for key in state.order {
            if let entry = state.buffers[key] {
                guard entry.added < limit else { break }
                state.bytes -= entry.buffer.readableBytes
                state.buffers[key] = nil
            }
            expired += 1
        }
        state.order.removeFirst(expired)
    }

    private static func removeOldest(_ state: inout State) {
        let oldest = state.order.removeFirst()
        state.bytes -= state.buffers.removeValue(forKey: oldest)?.buffer.readableBytes ?? 0
    }
}
