import CoreMetrics
import Synchronization
import Telemetry

/// What the HTTP edge refused, closed and holds, declared against the application's registry.
/// Bumped from the event loops and from request handlers.
public final class HTTPEdgeCounters: Sendable {
    /// New connections refused because every open one was busy at `maxConnections`. An atomic
    /// counted under the slots' lock and read into /metrics at scrape time, because the tests that
    /// drive the limit read it in process (a /metrics fetch would itself take a connection slot).
    public let connectionsRefused = Atomic<Int>(0)
    /// Idle connections closed to make room for a new one at `maxConnections` (an atomic, as above).
    public let idleEvicted = Atomic<Int>(0)
    /// Requests held right now (blocking playlist reloads, preload-hinted parts, first segments):
    /// state `HeldRequests` decides by, set into the gauge at scrape time.
    public let heldRequests = Atomic<Int>(0)
    /// Connections open now, plain HTTP and HTTPS together (state of `HTTPConnectionSlots`).
    public let connectionsActive = Atomic<Int>(0)
    /// Of those, connections with a request in progress (the rest are idle, and can be evicted).
    public let connectionsBusy = Atomic<Int>(0)
    /// Connections closed with no complete request head within the idle timeout.
    let idleTimeouts: Counter
    /// Connections closed because a request body was not complete within the body timeout.
    let bodyTimeouts: Counter
    let headerTooLarge: Counter
    let bodyTooLarge: Counter
    /// Requests that could not be parsed as HTTP (answered 400 and closed).
    let malformed: Counter
    /// Low-Latency HLS requests refused (503) because `maxHeldRequests` were already held.
    let heldRequestsRefused: Counter

    public init(metrics: MetricsRegistry = MetricsRegistry()) {
        let closed = "HTTP connections the server closed, by reason."
        idleTimeouts = metrics.counter("fieldrelay_http_connections_closed_total", help: closed, labels: [("reason", "idle_timeout")])
        bodyTimeouts = metrics.counter("fieldrelay_http_connections_closed_total", help: closed, labels: [("reason", "body_timeout")])
        let refused = "HTTP requests refused at the edge, by reason."
        headerTooLarge = metrics.counter("fieldrelay_http_requests_refused_total", help: refused, labels: [("reason", "header_too_large")])
        bodyTooLarge = metrics.counter("fieldrelay_http_requests_refused_total", help: refused, labels: [("reason", "body_too_large")])
        malformed = metrics.counter("fieldrelay_http_requests_refused_total", help: refused, labels: [("reason", "malformed")])
        heldRequestsRefused = metrics.counter("fieldrelay_http_requests_refused_total", help: refused, labels: [("reason", "held_requests")])
        metrics.counter("fieldrelay_http_connections_closed_total", help: closed, labels: [("reason", "evicted_idle")],
                        readAtScrape: { [weak self] in self?.idleEvicted.load(ordering: .relaxed) ?? 0 })
        metrics.counter("fieldrelay_http_connections_refused_total",
                        help: "New HTTP connections refused at http.maxConnections because no open connection was idle.",
                        labels: [("reason", "limit")],
                        readAtScrape: { [weak self] in self?.connectionsRefused.load(ordering: .relaxed) ?? 0 })
        metrics.gauge("fieldrelay_http_connections_active", help: "HTTP connections open now (plain HTTP and HTTPS ports together).",
                      readAtScrape: { [weak self] in self?.connectionsActive.load(ordering: .relaxed) ?? 0 })
        metrics.gauge("fieldrelay_http_connections_busy",
                      help: "HTTP connections with a request in progress now (never evicted for a new connection).",
                      readAtScrape: { [weak self] in self?.connectionsBusy.load(ordering: .relaxed) ?? 0 })
        metrics.gauge("fieldrelay_http_held_requests", help: "HLS requests held now, waiting for a part or segment.",
                      readAtScrape: { [weak self] in self?.heldRequests.load(ordering: .relaxed) ?? 0 })
    }
}
