import Synchronization

/// What the HTTP edge refused or closed, since start, for /metrics. Atomics: bumped from the event
/// loops and from request handlers.
public final class HTTPEdgeCounters: Sendable {
    /// New connections refused because every open one was busy at `maxConnections`.
    public let connectionsRefused = Atomic<Int>(0)
    /// Idle connections closed to make room for a new one at `maxConnections`.
    public let idleEvicted = Atomic<Int>(0)
    /// Connections closed with no complete request head within the idle timeout.
    public let idleTimeouts = Atomic<Int>(0)
    /// Connections closed because a request body was not complete within the body timeout.
    public let bodyTimeouts = Atomic<Int>(0)
    public let headerTooLarge = Atomic<Int>(0)
    public let bodyTooLarge = Atomic<Int>(0)
    /// Requests that could not be parsed as HTTP (answered 400 and closed).
    public let malformed = Atomic<Int>(0)
    /// Low-Latency HLS requests refused (503) because `maxHeldRequests` were already held.
    public let heldRequestsRefused = Atomic<Int>(0)
    /// Requests held right now (blocking playlist reloads, preload-hinted parts, first segments).
    public let heldRequests = Atomic<Int>(0)
    /// Connections open now, plain HTTP and HTTPS together.
    public let connectionsActive = Atomic<Int>(0)
    /// Of those, connections with a request in progress (the rest are idle, and can be evicted).
    public let connectionsBusy = Atomic<Int>(0)

    public init() {}

    public func families() -> [MetricFamily] {
        func value(_ atomic: borrowing Atomic<Int>) -> Double { Double(atomic.load(ordering: .relaxed)) }
        return [
            MetricFamily(name: "fieldrelay_http_connections_active", help: "HTTP connections open now (plain HTTP and HTTPS ports together).", kind: .gauge,
                         value: value(connectionsActive)),
            MetricFamily(name: "fieldrelay_http_connections_busy",
                         help: "HTTP connections with a request in progress now (never evicted for a new connection).", kind: .gauge,
                         value: value(connectionsBusy)),
            MetricFamily(name: "fieldrelay_http_connections_refused_total",
                         help: "New HTTP connections refused at http.maxConnections because no open connection was idle.", kind: .counter,
                         samples: [.init(labels: [("reason", "limit")], value: value(connectionsRefused))]),
            MetricFamily(name: "fieldrelay_http_connections_closed_total", help: "HTTP connections the server closed, by reason.",
                         kind: .counter, samples: [
                             .init(labels: [("reason", "evicted_idle")], value: value(idleEvicted)),
                             .init(labels: [("reason", "idle_timeout")], value: value(idleTimeouts)),
                             .init(labels: [("reason", "body_timeout")], value: value(bodyTimeouts)),
                         ]),
            MetricFamily(name: "fieldrelay_http_requests_refused_total", help: "HTTP requests refused at the edge, by reason.",
                         kind: .counter, samples: [
                             .init(labels: [("reason", "header_too_large")], value: value(headerTooLarge)),
                             .init(labels: [("reason", "body_too_large")], value: value(bodyTooLarge)),
                             .init(labels: [("reason", "malformed")], value: value(malformed)),
                             .init(labels: [("reason", "held_requests")], value: value(heldRequestsRefused)),
                         ]),
            MetricFamily(name: "fieldrelay_http_held_requests", help: "HLS requests held now, waiting for a part or segment.",
                         kind: .gauge, value: value(heldRequests)),
        ]
    }
}
