/// Socket options for the one listening port. Accepted sockets inherit them.
public struct SRTServerConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// SRTO_LATENCY in milliseconds: the receive buffer's delay, which is what buys time for
    /// retransmissions on lossy links (about 3x RTT at 1 % loss, 6x RTT at 10 %).
    public var latencyMilliseconds: Int
    /// SRTO_PEERIDLETIMEO: silence after which libsrt declares the peer gone.
    public var peerIdleTimeoutMilliseconds: Int
    /// Number of epoll receive loops (threads). Each serves many connections.
    public var receiveLoops: Int
    /// Most simultaneous connections; further handshakes get 1402.
    public var maxConnections: Int
    public var listenBacklog: Int

    public init(host: String = "0.0.0.0", port: Int = 9000, latencyMilliseconds: Int = 1000,
                peerIdleTimeoutMilliseconds: Int = 5000, receiveLoops: Int = 2, maxConnections: Int = 4000,
                listenBacklog: Int = 256) {
        self.host = host
        self.port = port
        self.latencyMilliseconds = latencyMilliseconds
        self.peerIdleTimeoutMilliseconds = peerIdleTimeoutMilliseconds
        self.receiveLoops = receiveLoops
        self.maxConnections = maxConnections
        self.listenBacklog = listenBacklog
    }
}
