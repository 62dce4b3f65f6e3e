/// How libsrt hands a publisher's packets to the gateway.
public enum SRTPublisherDelivery: String, Sendable, Equatable, CaseIterable {
    /// libsrt's timestamp-based packet delivery (TSBPD, the SRT default): every packet is held until
    /// exactly the latency after it was sent, by a thread per connection woken for every packet.
    case tsbpd
    /// Every packet as soon as it and all before it have arrived (SRTO_TSBPDMODE off). Lost packets
    /// are still recovered by retransmission, and a packet the sender gives up on is skipped (its
    /// drop request). The remuxer times everything by the stream's own PTS/DTS, so nothing depends
    /// on pacing; this saves the per-connection thread and its wake-ups.
    case onArrival = "on-arrival"
}

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
    /// How publishers' packets are delivered (readers always use TSBPD: their decoders pace by it).
    public var publisherDelivery: SRTPublisherDelivery
    /// After a receive loop has served what was ready, it waits this long before looking again, so
    /// one wake-up serves every packet that arrived meanwhile instead of one wake-up per packet.
    /// Adds at most this much delay. 0: wake for every packet.
    public var receiveBatchMilliseconds: Int
    /// Handshakes admitted but not yet accepted from one source address; further ones get 1402
    /// (`HandshakeThrottle`). 0: no cap.
    public var maxPendingHandshakesPerSource: Int
    /// The same, per source address and stream id: what a caller trying keys runs into. 0: no cap.
    public var maxPendingHandshakesPerStream: Int

    public init(host: String = "0.0.0.0", port: Int = 9000, latencyMilliseconds: Int = 1000,
                peerIdleTimeoutMilliseconds: Int = 5000, receiveLoops: Int = 2, maxConnections: Int = 4000,
                listenBacklog: Int = 256, publisherDelivery: SRTPublisherDelivery = .tsbpd, receiveBatchMilliseconds: Int = 5,
                maxPendingHandshakesPerSource: Int = 64, maxPendingHandshakesPerStream: Int = 4) {
        self.host = host
        self.port = port
        self.latencyMilliseconds = latencyMilliseconds
        self.peerIdleTimeoutMilliseconds = peerIdleTimeoutMilliseconds
        self.receiveLoops = receiveLoops
        self.maxConnections = maxConnections
        self.listenBacklog = listenBacklog
        self.publisherDelivery = publisherDelivery
        self.receiveBatchMilliseconds = receiveBatchMilliseconds
        self.maxPendingHandshakesPerSource = maxPendingHandshakesPerSource
        self.maxPendingHandshakesPerStream = maxPendingHandshakesPerStream
    }
}
