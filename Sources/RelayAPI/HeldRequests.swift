import Synchronization

/// Caps the HLS requests held at once (blocking playlist reloads, preload-hinted parts, playlists
/// waiting for a first segment). Each held request is only a continuation, but each also pins a
/// connection and its buffers: beyond the cap a request is answered 503 at once, and counted.
struct HeldRequests: Sendable {
    let limit: Int
    let counters: HTTPEdgeCounters

    /// Runs `wait` as one held request, or throws 503 when `limit` are already held.
    func hold(_ wait: () async -> Bool) async throws -> Bool {
        let held = counters.heldRequests.add(1, ordering: .relaxed).newValue
        defer { counters.heldRequests.subtract(1, ordering: .relaxed) }
        guard held <= limit else {
            counters.heldRequestsRefused.increment()
            throw APIError(.serviceUnavailable, "too many requests held (\(limit)); retry", headers: [.retryAfter: "1"])
        }
        return await wait()
    }
}
