/// What one HTTP client may hold or send before the server refuses it. Every refusal is counted in
/// `HTTPEdgeCounters` and shown in /metrics, so an attack is visible as well as survived.
public struct HTTPEdgeLimits: Sendable, Equatable {
    /// Connections open at once. At the limit a new connection takes the place of the connection that
    /// has been idle longest (no request in progress); only when none is idle is it refused.
    public var maxConnections: Int
    /// A connection with no request in progress is closed after this long: an idle keep-alive, or a
    /// request head dribbled byte by byte (slowloris) that never completes.
    public var idleTimeout: Duration
    /// A request body must be complete this long after its head.
    public var bodyTimeout: Duration
    /// The request line and header fields together (NIO's HTTP/1 decoder limit); beyond it, 431.
    public var maxHeaderBytes: Int
    /// A request body; a declared larger one is answered 413, a streamed one is cut off.
    public var maxBodyBytes: Int

    public init(maxConnections: Int = 10_000, idleTimeout: Duration = .seconds(30), bodyTimeout: Duration = .seconds(30),
                maxHeaderBytes: Int = 32 * 1024, maxBodyBytes: Int = 1024 * 1024) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.bodyTimeout = bodyTimeout
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }
}
