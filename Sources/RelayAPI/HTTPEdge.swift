import NIOCore

/// The HTTP edge's limits, counters and connection slots, shared by every connection of both
/// servers: plain HTTP and HTTPS connections count against one `maxConnections`.
/// `connectionHandlers()` goes into Hummingbird's `additionalChannelHandlers` for plain HTTP/1, where
/// one guard per connection takes its slot. Over HTTPS the server's child channel takes the TCP
/// connection's slot with `admitConnection` before TLS is set up, and `requestHandlers()` (per HTTP/2
/// stream, or per HTTP/1.1-over-TLS connection) limits requests (sizes, body timeout) and marks the
/// connection busy while they are in progress.
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
        [HTTPEdgeGuard(limits: limits, counters: counters, slots: slots, role: .connection)]
    }

    /// Takes a slot for a newly accepted HTTPS connection, given back when the channel closes. At the
    /// limit the connection idle longest is evicted; if none is idle the channel is closed and false
    /// returned. Both are counted.
    public func admitConnection(_ channel: any Channel) -> Bool {
        guard let id = slots.take(channel) else {
            channel.close(promise: nil)
            return false
        }
        channel.closeFuture.whenComplete { [slots] _ in slots.release(id) }
        return true
    }

    public func requestHandlers() -> [any RemovableChannelHandler] {
        // The guard learns where it sits: on an HTTP/2 stream it has no idle timeout of its own.
        [HTTPEdgeGuard(limits: limits, counters: counters, slots: slots, role: .request)]
    }
}
