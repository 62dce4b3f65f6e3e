import NIOCore

/// The HTTP edge's limits, counters and connection slots, shared by every connection of a server.
/// `connectionHandlers()` goes into Hummingbird's `additionalChannelHandlers` for plain HTTP/1;
/// `requestHandlers()` for HTTPS, where under HTTP/2 it runs once per stream and so limits requests
/// (sizes, body timeout) but does not count connections.
public final class HTTPEdge: Sendable {
    public let limits: HTTPEdgeLimits
    public let counters: HTTPEdgeCounters
    let slots: HTTPConnectionSlots

    public init(limits: HTTPEdgeLimits, counters: HTTPEdgeCounters = HTTPEdgeCounters()) {
        self.limits = limits
        self.counters = counters
        self.slots = HTTPConnectionSlots(limit: limits.maxConnections, counters: counters)
    }

    public func connectionHandlers() -> [any RemovableChannelHandler] {
        [HTTPEdgeGuard(limits: limits, counters: counters, slots: slots)]
    }

    public func requestHandlers() -> [any RemovableChannelHandler] {
        var perStream = limits
        // An HTTP/2 stream is one request: no idle keep-alive to time out (HTTP/2's own idle timeout
        // covers the connection).
        perStream.idleTimeout = .seconds(3600)
        return [HTTPEdgeGuard(limits: perStream, counters: counters, slots: nil)]
    }
}
