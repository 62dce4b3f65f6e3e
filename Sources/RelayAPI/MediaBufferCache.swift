import Hummingbird
import Synchronization

/// Recently served segments, parts and init sections as ready-made `ByteBuffer`s. Their names carry
/// the path instance and sequence numbers, so the bytes behind a name never change and a cached
/// buffer never goes stale; sharing one saves a copy of up to a megabyte per request, which is
/// most of what a busy video wall costs beyond the socket writes.
final class MediaBufferCache: Sendable {
    private struct State {
        var buffers: [String: ByteBuffer] = [:]
        var order: [String] = []
        var bytes = 0
    }

    private let state = Mutex(State())
    let maximumBytes: Int

    init(maximumBytes: Int = 256 * 1024 * 1024) {
        self.maximumBytes = maximumBytes
    }

    /// The cached buffer for `key`, or the one `make` builds (then kept, oldest evicted first).
    func buffer(for key: String, make: () -> [UInt8]?) -> ByteBuffer? {
        if let hit = state.withLock({ $0.buffers[key] }) { return hit }
        guard let bytes = make() else { return nil }
        let buffer = ByteBuffer(bytes: bytes)
        state.withLock { state in
            guard state.buffers[key] == nil else { return }
            state.buffers[key] = buffer
            state.order.append(key)
            state.bytes += buffer.readableBytes
            while state.bytes > maximumBytes, !state.order.isEmpty {
                let oldest = state.order.removeFirst()
                state.bytes -= state.buffers.removeValue(forKey: oldest)?.readableBytes ?? 0
            }
        }
        return buffer
    }
}
