/// What the listen callback knows about a caller before the handshake completes.
public struct SRTHandshake: Sendable {
    public var streamID: String
    public var peer: String
    public init(streamID: String, peer: String) {
        self.streamID = streamID
        self.peer = peer
    }
}

/// Which way media flows on an admitted connection.
public enum SRTConnectionRole: Sendable, Equatable {
    /// The peer sends media to the gateway (a camera, a village room, a hall camera).
    case publisher
    /// The gateway sends media to the peer (a hall's hardware decoder).
    case reader
}

public enum SRTAdmissionDecision: Sendable, Equatable {
    /// Let the handshake go on; a passphrase makes libsrt require that key (AES) for this connection.
    case accept(passphrase: String?, role: SRTConnectionRole = .publisher)
    case reject(SRTRejectCode, reason: String)
}

/// The gateway's policy, consulted by the transport. Both calls run on threads FieldRelay or libsrt
/// own (never the Swift concurrency pool) and must return quickly: no database I/O.
public protocol SRTAdmission: Sendable {
    /// Called from libsrt's listen callback, before the handshake is answered.
    func admit(_ handshake: SRTHandshake) -> SRTAdmissionDecision
    /// Called after `srt_accept`. Return the handler for the connection's data, or nil to close it
    /// (for example when another publisher took the path between callback and accept).
    func accepted(_ connection: SRTConnection) -> (any SRTConnectionHandler)?
}

/// Receives one connection's data. Every call for one connection comes from the same receive loop
/// thread, in order, so a handler needs no lock for its own state.
public protocol SRTConnectionHandler: AnyObject, Sendable {
    func received(_ bytes: UnsafeRawBufferPointer)
    func closed(_ reason: SRTCloseReason)
}

public enum SRTCloseReason: Sendable, Equatable, CustomStringConvertible {
    /// The peer closed, or libsrt declared the link broken (peer idle timeout).
    case peerGone(String)
    /// FieldRelay closed it (takeover, revocation, shutdown), with the reason.
    case local(String)

    public var description: String {
        switch self {
        case .peerGone(let why): return "peer gone (\(why))"
        case .local(let why): return why
        }
    }
}
