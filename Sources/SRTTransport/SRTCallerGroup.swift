import CSRT
import Foundation
import Logging
import Synchronization

/// Many SRT callers in one process, all bound to one local UDP port. libsrt then serves them with one
/// multiplexer — one UDP socket, one sending and one receiving thread — however many callers there
/// are, instead of a socket and two threads per caller. Used by `fieldrelay loadgen` to publish
/// hundreds of streams from one process.
public final class SRTCallerGroup: Sendable {
    /// The listener's IPv4 address.
    public let remoteHost: String
    private let remoteAddress: UInt32
    private let localAddress: UInt32
    private let logger: Logger
    /// The shared local port once the first caller has bound it. Binding happens under this lock so
    /// two threads cannot both bind port 0 and end up with two multiplexers.
    private let localPort = Mutex<UInt16?>(nil)

    /// `host` must be an IPv4 address or a name that resolves to one.
    public init(remoteHost host: String, logger: Logger) throws(SRTError) {
        guard let address = Self.resolve(host) else {
            throw SRTError(.bind, "cannot resolve '\(host)' to an IPv4 address")
        }
        remoteHost = host
        remoteAddress = address
        // A loopback target gets a loopback source: nothing is bound on outside interfaces.
        let loopback = (UInt32(bigEndian: address) >> 24) == 127
        localAddress = loopback ? UInt32(0x7F00_0001).bigEndian : UInt32(0)  // INADDR_ANY otherwise
        self.logger = logger
        SRTLibrary.retain(logger: logger)
    }

    deinit {
        SRTLibrary.release()
    }

    /// The local UDP port every caller of this group uses, once one has been made.
    public var boundPort: Int? { localPort.withLock { $0.map(Int.init) } }

    /// Creates a caller, binds it to the group's port and starts a non-blocking connect to
    /// `port` on the remote host. The connection completes (or fails) later: watch `state`.
    /// A failure to even start connecting is reported the same way, as a `.failed` state.
    public func connect(port: Int, _ configuration: SRTCallerConfiguration) throws(SRTError) -> SRTCaller {
        guard (1...65535).contains(port) else { throw SRTError(.option, "port \(port) is out of range") }
        let socket = srt_create_socket()
        guard socket != csrt_invalid_sock() else { throw SRTError(.startup, "srt_create_socket: \(lastErrorText())") }
        // From here the caller owns the socket: its deinit closes it on every error path below.
        let caller = SRTCaller(id: socket, group: self)
        try configure(socket, configuration)
        try bindShared(socket)

        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        remote.sin_addr.s_addr = remoteAddress
        let started = withUnsafePointer(to: &remote) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                srt_connect(socket, $0, Int32(MemoryLayout<sockaddr_in>.size))
            }
        }
        if started == csrt_error() {
            // Non-blocking: an immediate error is rare (bad address, no resources); libsrt has set the
            // socket's state and reject reason, which `state` reports.
            logger.debug("srt_connect failed at once", metadata: ["error": "\(lastErrorText())", "conn": "\(socket)"])
        }
        return caller
    }

    private func configure(_ socket: SRTSOCKET, _ configuration: SRTCallerConfiguration) throws(SRTError) {
        // Non-blocking both ways: connect returns at once, and a full send buffer is "try later", so
        // one thread can drive any number of callers.
        try setOption(socket, SRTO_RCVSYN, 0, "SRTO_RCVSYN")
        try setOption(socket, SRTO_SNDSYN, 0, "SRTO_SNDSYN")
        // Required for every socket that shares the port, the first one included.
        try setOption(socket, SRTO_REUSEADDR, 1, "SRTO_REUSEADDR")
        try setOption(socket, SRTO_LATENCY, Int32(clamping: configuration.latencyMilliseconds), "latency")
        try setOption(socket, SRTO_CONNTIMEO, Int32(clamping: configuration.connectTimeoutMilliseconds), "connect timeout")
        if let bytes = configuration.receiveBufferBytes {
            try setOption(socket, SRTO_RCVBUF, Int32(clamping: bytes), "receive buffer")
        }
        let streamID = Array(configuration.streamID.utf8)
        guard streamID.count <= StreamID.maximumLength else {
            throw SRTError(.option, "stream id longer than \(StreamID.maximumLength) bytes")
        }
        if !streamID.isEmpty {
            let result = streamID.withUnsafeBytes { srt_setsockflag(socket, SRTO_STREAMID, $0.baseAddress, Int32($0.count)) }
            guard result == 0 else { throw SRTError(.option, "stream id refused by libsrt: \(lastErrorText())") }
        }
        if let passphrase = configuration.passphrase, !passphrase.isEmpty {
            let bytes = Array(passphrase.utf8)
            let result = bytes.withUnsafeBytes { srt_setsockflag(socket, SRTO_PASSPHRASE, $0.baseAddress, Int32($0.count)) }
            guard result == 0 else {
                throw SRTError(.option, "passphrase refused by libsrt (10 to 79 characters): \(lastErrorText())")
            }
            try setOption(socket, SRTO_PBKEYLEN, Int32(clamping: configuration.keyLength), "key length")
        }
    }

    private func bindShared(_ socket: SRTSOCKET) throws(SRTError) {
        try localPort.withLock { (port) throws(SRTError) in
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_port = in_port_t((port ?? 0).bigEndian)
            local.sin_addr.s_addr = localAddress
            let bound = withUnsafePointer(to: &local) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    srt_bind(socket, $0, Int32(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else {
                throw SRTError(.bind, "cannot bind caller to local UDP port \(port ?? 0): \(lastErrorText())")
            }
            guard port == nil else { return }
            var actual = sockaddr_in()
            var length = Int32(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &actual) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { srt_getsockname(socket, $0, &length) }
            }
            guard named == 0 else { throw SRTError(.bind, "srt_getsockname: \(lastErrorText())") }
            port = UInt16(bigEndian: actual.sin_port)
            logger.info("callers share local UDP port", metadata: ["port": "\(port ?? 0)"])
        }
    }

    private func setOption(_ socket: SRTSOCKET, _ option: SRT_SOCKOPT, _ value: Int32, _ name: String) throws(SRTError) {
        var value = value
        guard srt_setsockflag(socket, option, &value, Int32(MemoryLayout<Int32>.size)) == 0 else {
            throw SRTError(.option, "\(name)=\(value) refused by libsrt: \(lastErrorText())")
        }
    }

    /// An IPv4 address in network byte order, from a dotted quad or a host name.
    private static func resolve(_ host: String) -> UInt32? {
        var address = in_addr()
        if inet_pton(AF_INET, host, &address) == 1 { return address.s_addr }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(list) }
        guard let raw = first.pointee.ai_addr, first.pointee.ai_family == AF_INET else { return nil }
        return raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
    }
}
