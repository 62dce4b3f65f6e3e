import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOSSL
import RelayAPI

/// The HTTPS server's child channel: Hummingbird's `HTTP2UpgradeChannel` (TLS, ALPN h2 with HTTP/1.1
/// fallback) behind the HTTP edge's connection cap. Each accepted TCP connection takes a slot in the
/// same `HTTPConnectionSlots` as plain HTTP before TLS is set up (one `http.maxConnections` for both
/// ports); at the limit the connection idle longest makes room, and when every connection is busy the
/// newcomer is closed and counted. The slot is given back when the channel closes.
struct HTTPSEdgeChannel: ServerChildChannel {
    typealias Value = HTTP2UpgradeChannel.Value

    let inner: HTTP2UpgradeChannel
    let edge: HTTPEdge

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard edge.admitConnection(channel) else {
            return channel.eventLoop.makeFailedFuture(HTTPSConnectionRefused())
        }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// A new HTTPS connection refused at `http.maxConnections` (already closed and counted).
struct HTTPSConnectionRefused: Error {}

extension HTTPServerBuilder {
    /// HTTPS with HTTP/2 upgrade, each connection counted against the edge's connection cap.
    static func countedHTTP2Upgrade(tlsConfiguration: TLSConfiguration, configuration: HTTP2UpgradeChannel.Configuration,
                                    edge: HTTPEdge) -> HTTPServerBuilder {
        .init { responder in
            HTTPSEdgeChannel(
                inner: try HTTP2UpgradeChannel(tlsConfiguration: tlsConfiguration, configuration: configuration, responder: responder),
                edge: edge)
        }
    }
}
