/// How one caller (a publisher pushing to a remote listener) connects.
public struct SRTCallerConfiguration: Sendable, Hashable {
    /// Sent in the handshake (SRTO_STREAMID), e.g. `#!::r=lab/cam1,m=publish`; at most 512 bytes.
    public var streamID: String
    /// SRTO_PASSPHRASE (10 to 79 characters); nil for an unencrypted connection.
    public var passphrase: String?
    /// SRTO_PBKEYLEN in bytes (16, 24 or 32). As the sender, the caller decides the key length.
    public var keyLength: Int
    /// SRTO_LATENCY: the larger of this and the listener's own latency is used by both ends.
    public var latencyMilliseconds: Int
    /// SRTO_CONNTIMEO: a handshake unanswered for this long fails with a timeout.
    public var connectTimeoutMilliseconds: Int
    /// SRTO_RCVBUF in bytes, or nil for libsrt's default. A pure sender receives only control packets,
    /// and libsrt sizes (and touches) its receive buffer per socket, so a small one saves memory when
    /// hundreds of callers share a process.
    public var receiveBufferBytes: Int?

    public init(streamID: String, passphrase: String? = nil, keyLength: Int = 16, latencyMilliseconds: Int = 200,
                connectTimeoutMilliseconds: Int = 3000, receiveBufferBytes: Int? = nil) {
        self.streamID = streamID
        self.passphrase = passphrase
        self.keyLength = keyLength
        self.latencyMilliseconds = latencyMilliseconds
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.receiveBufferBytes = receiveBufferBytes
    }
}
