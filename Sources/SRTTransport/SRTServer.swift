import CSRT
import Foundation
import Logging
import Synchronization
import Telemetry

/// The one SRT listening port for every camera, room and hall. libsrt's listen callback asks the
/// admission policy (stream id, key, capacity) before the handshake is answered; accepted sockets are
/// spread over a few epoll receive loops, never one blocking thread per camera.
public final class SRTServer: Sendable {
    public let configuration: SRTServerConfiguration
    public let counters: SRTServerCounters
    private let admission: any SRTAdmission
    private let logger: Logger
    private let state = Mutex(State())
    private let refusalLog = RefusalLog<SRTRejectCode>()
    private let throttle: Mutex<HandshakeThrottle>

    private struct State {
        var listener: Int32?
        var loops: [ReceiveLoop] = []
        var nextLoop = 0
        var boundPort: Int?
        var started = false
        var stopped = false
        var retainedSelf: Unmanaged<SRTServer>?
    }

    /// `metrics`: the application's registry, where the listener's counters are declared.
    public init(configuration: SRTServerConfiguration, admission: any SRTAdmission, logger: Logger,
                metrics: MetricsRegistry = MetricsRegistry()) {
        self.configuration = configuration
        self.admission = admission
        self.logger = logger
        self.counters = SRTServerCounters(metrics: metrics)
        self.throttle = Mutex(HandshakeThrottle(maxPerSource: configuration.maxPendingHandshakesPerSource,
                                                maxPerStream: configuration.maxPendingHandshakesPerStream))
        // So fieldrelay_srt_handshakes_failed_total is current when nobody connects.
        metrics.onScrape { [weak self] in self?.expirePendingHandshakes() }
    }

    /// The UDP port actually bound (useful with port 0 in tests).
    public var boundPort: Int? { state.withLock { $0.boundPort } }

    /// Binds and starts listening. Throws with the reason when the port cannot be had.
    public func start() throws(SRTError) {
        try state.withLock { (state) throws(SRTError) in
            guard !state.started else { return }
            SRTLibrary.retain(logger: logger)
            do throws(SRTError) {
                try startLocked(&state)
            } catch {
                if let listener = state.listener { srt_close(listener) }
                for loop in state.loops { loop.stop() }
                state.loops = []
                state.listener = nil
                SRTLibrary.release()
                throw error
            }
            state.started = true
        }
    }

    private func startLocked(_ state: inout State) throws(SRTError) {
        let socket = srt_create_socket()
        guard socket != csrt_invalid_sock() else { throw SRTError(.startup, "srt_create_socket: \(lastErrorText())") }
        state.listener = socket

        try setOption(socket, SRTO_RCVSYN, Int32(0), "SRTO_RCVSYN")
        try setOption(socket, SRTO_SNDSYN, Int32(0), "SRTO_SNDSYN")
        try setOption(socket, SRTO_LATENCY, Int32(configuration.latencyMilliseconds), "latencyMs")
        try setOption(socket, SRTO_PEERIDLETIMEO, Int32(configuration.peerIdleTimeoutMilliseconds), "peerIdleTimeoutMs")

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(configuration.port).bigEndian)
        guard inet_pton(AF_INET, configuration.host, &address.sin_addr) == 1 else {
            throw SRTError(.bind, "'\(configuration.host)' is not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                srt_bind(socket, $0, Int32(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            throw SRTError(.bind, "cannot bind UDP \(configuration.host):\(configuration.port): \(lastErrorText())")
        }
        var actual = sockaddr_in()
        var length = Int32(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { srt_getsockname(socket, $0, &length) }
        }
        state.boundPort = Int(UInt16(bigEndian: actual.sin_port))

        // The callback gets an unretained pointer to self; `state.retainedSelf` keeps self alive
        // until shutdown has closed the listener, after which libsrt cannot call back.
        let retained = Unmanaged.passRetained(self)
        state.retainedSelf = retained
        let hook: @convention(c) (UnsafeMutableRawPointer?, SRTSOCKET, Int32, UnsafePointer<sockaddr>?, UnsafePointer<CChar>?) -> Int32 = {
            opaque, socket, version, peer, streamID in
            guard let opaque else { return -1 }
            let server = Unmanaged<SRTServer>.fromOpaque(opaque).takeUnretainedValue()
            return server.listenCallback(socket: socket, handshakeVersion: version, peer: peer, streamID: streamID)
        }
        guard srt_listen_callback(socket, hook, retained.toOpaque()) == 0 else {
            throw SRTError(.listen, "srt_listen_callback: \(lastErrorText())")
        }
        guard srt_listen(socket, Int32(configuration.listenBacklog)) == 0 else {
            throw SRTError(.listen, "cannot listen on UDP \(configuration.host):\(configuration.port): \(lastErrorText())")
        }
        let loopCount = max(1, configuration.receiveLoops)
        for index in 0..<loopCount {
            state.loops.append(try ReceiveLoop(index: index, logger: logger, counters: counters,
                                               batchMilliseconds: configuration.receiveBatchMilliseconds))
        }
        try state.loops[0].attachListener(socket) { [self] in acceptPending() }
        for loop in state.loops { loop.start() }
        logger.info("SRT listening", metadata: [
            "address": "\(configuration.host):\(state.boundPort ?? configuration.port)",
            "latencyMs": "\(configuration.latencyMilliseconds)",
            "loops": "\(loopCount)",
            "publisherDelivery": "\(configuration.publisherDelivery.rawValue)",
            "receiveBatchMs": "\(configuration.receiveBatchMilliseconds)",
        ])
    }

    /// Closes the listener and every connection; returns when the loops have stopped.
    public func shutdown() {
        let (listener, loops, retained) = state.withLock { state -> (Int32?, [ReceiveLoop], Unmanaged<SRTServer>?) in
            guard state.started, !state.stopped else { return (nil, [], nil) }
            state.stopped = true
            defer { state.loops = []; state.listener = nil; state.retainedSelf = nil }
            return (state.listener, state.loops, state.retainedSelf)
        }
        guard !loops.isEmpty || listener != nil else { return }
        for loop in loops { loop.stop() }
        if let listener { srt_close(listener) }
        retained?.release()
        SRTLibrary.release()
        logger.info("SRT listener closed")
    }

    // MARK: - Admission

    private func listenCallback(socket: SRTSOCKET, handshakeVersion: Int32, peer: UnsafePointer<sockaddr>?,
                                streamID: UnsafePointer<CChar>?) -> Int32 {
        let peerText = Self.describe(peer)
        let rawID = streamID.map { String(cString: $0) } ?? ""
        if counters.active.load(ordering: .relaxed) >= configuration.maxConnections {
            return reject(socket, .overloaded, "at capacity (\(configuration.maxConnections) connections)", rawID, peerText)
        }
        let now = Int64(DispatchTime.now().uptimeNanoseconds)
        let (pending, failed) = throttle.withLock { throttle in
            let failed = throttle.expire(now: now)
            return (throttle.decide(peer: peerText, streamID: rawID), failed)
        }
        if failed > 0 { counters.handshakesFailed.increment(by: failed) }
        switch pending {
        case .admit:
            break
        case .tooManyFromSource(let count):
            counters.handshakesThrottled.increment()
            return reject(socket, .overloaded, "\(count) handshakes from this address not completed yet (srt.maxPendingHandshakesPerSource)",
                          rawID, peerText)
        case .tooManyForStream(let count):
            counters.handshakesThrottled.increment()
            return reject(socket, .overloaded,
                          "\(count) handshakes from this address for this stream id not completed yet, as after wrong keys (srt.maxPendingHandshakesPerStream)",
                          rawID, peerText)
        }
        switch admission.admit(SRTHandshake(streamID: rawID, peer: peerText)) {
        case .reject(let code, let reason):
            return reject(socket, code, reason, rawID, peerText)
        case .accept(let passphrase, let role):
            if let passphrase, !passphrase.isEmpty {
                let result = passphrase.withCString { srt_setsockflag(socket, SRTO_PASSPHRASE, $0, Int32(strlen($0))) }
                guard result == 0 else {
                    return reject(socket, .internalError, "cannot set passphrase: \(lastErrorText())", rawID, peerText)
                }
            }
            if role == .publisher, configuration.publisherDelivery == .onArrival {
                // Options set here apply to this connection's handshake, which has not been answered yet.
                var off: Int32 = 0
                guard srt_setsockflag(socket, SRTO_TSBPDMODE, &off, Int32(MemoryLayout<Int32>.size)) == 0 else {
                    return reject(socket, .internalError, "cannot turn off TSBPD: \(lastErrorText())", rawID, peerText)
                }
            }
            counters.admitted.increment()
            throttle.withLock { $0.admitted(socket: socket, peer: peerText, streamID: rawID, now: now) }
            return 0
        }
    }

    /// Counts the admitted handshakes whose pending lifetime passed without an accept (also done at
    /// every handshake, and before every scrape of the registry so the count is current when nobody
    /// connects).
    func expirePendingHandshakes() {
        let now = Int64(DispatchTime.now().uptimeNanoseconds)
        let failed = throttle.withLock { $0.expire(now: now) }
        if failed > 0 { counters.handshakesFailed.increment(by: failed) }
    }

    private func reject(_ socket: SRTSOCKET, _ code: SRTRejectCode, _ reason: String, _ streamID: String, _ peer: String) -> Int32 {
        srt_setrejectreason(socket, code.rawValue)
        counters.countRejection(code)
        // A flood of bad stream ids must not drown the log: a few lines per code and window.
        guard case .log(let suppressed) = refusalLog.decide(code) else { return -1 }
        var metadata: Logger.Metadata = [
            "code": "\(code)", "reason": "\(reason)", "peer": "\(peer)", "streamid": "\(Self.printable(streamID))",
        ]
        if suppressed > 0 { metadata["unloggedBefore"] = "\(suppressed)" }
        logger.notice("SRT connection refused", metadata: metadata)
        return -1
    }

    /// Runs on loop 0's thread when the listener has a pending connection. One accept per readiness
    /// event: epoll is level-triggered and reports again while more wait, and libsrt logs an error for
    /// every accept that finds none.
    private func acceptPending() {
        guard let listener = state.withLock({ $0.listener }) else { return }
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let socket = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { srt_accept(listener, $0, &length) }
        }
        guard socket != csrt_invalid_sock() else { return }
        counters.accepted.increment()
        counters.active.add(1, ordering: .relaxed)
        let peer = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Self.describe($0) }
        }
        throttle.withLock { $0.accepted(socket: socket) }
        var idBuffer = [CChar](repeating: 0, count: StreamID.maximumLength + 1)
        var idLength = Int32(idBuffer.count)
        _ = srt_getsockflag(socket, SRTO_STREAMID, &idBuffer, &idLength)
        let streamID = Self.string(Array(idBuffer.prefix(Int(max(0, min(idLength, Int32(StreamID.maximumLength)))))))
        let loop = state.withLock { state -> ReceiveLoop in
            let loop = state.loops[state.nextLoop % state.loops.count]
            state.nextLoop &+= 1
            return loop
        }
        let connection = SRTConnection(id: socket, streamID: streamID, peer: peer, loop: loop)
        guard let handler = admission.accepted(connection) else {
            srt_close(socket)
            counters.active.subtract(1, ordering: .relaxed)
            return
        }
        loop.add(connection, handler: handler, reorder: reorderer(for: socket))
    }

    /// A reorderer for a connection libsrt delivers on arrival (TSBPD was turned off in the listen
    /// callback); it waits for a missing packet as long as TSBPD would have: the larger of the
    /// configured latency and the one the peer asked for.
    private func reorderer(for socket: SRTSOCKET) -> SequenceReorderer? {
        var tsbpd: Int32 = 1
        var length = Int32(MemoryLayout<Int32>.size)
        guard srt_getsockflag(socket, SRTO_TSBPDMODE, &tsbpd, &length) == 0, tsbpd == 0 else { return nil }
        var peerLatency: Int32 = 0
        length = Int32(MemoryLayout<Int32>.size)
        _ = srt_getsockflag(socket, SRTO_PEERLATENCY, &peerLatency, &length)
        return SequenceReorderer(gapTimeoutMilliseconds: Int64(max(configuration.latencyMilliseconds, Int(peerLatency))))
    }

    private func setOption(_ socket: SRTSOCKET, _ option: SRT_SOCKOPT, _ value: Int32, _ name: String) throws(SRTError) {
        var value = value
        guard srt_setsockflag(socket, option, &value, Int32(MemoryLayout<Int32>.size)) == 0 else {
            throw SRTError(.option, "\(name)=\(value) refused by libsrt: \(lastErrorText())")
        }
    }

    static func describe(_ address: UnsafePointer<sockaddr>?) -> String {
        guard let address else { return "?" }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                var addr = v4.pointee.sin_addr
                inet_ntop(AF_INET, &addr, &text, socklen_t(text.count))
                return "\(Self.string(text)):\(UInt16(bigEndian: v4.pointee.sin_port))"
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                var addr = v6.pointee.sin6_addr
                inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count))
                return "[\(Self.string(text))]:\(UInt16(bigEndian: v6.pointee.sin6_port))"
            }
        default:
            return "?"
        }
    }

    static func string(_ nullTerminated: [CChar]) -> String {
        let bytes = nullTerminated.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Stream ids come from the network: log them escaped and bounded.
    public static func printable(_ text: String) -> String {
        let clipped = text.unicodeScalars.prefix(200).map { scalar -> String in
            scalar.value >= 0x20 && scalar.value < 0x7F ? String(scalar) : "\\u{\(String(scalar.value, radix: 16))}"
        }.joined()
        return text.unicodeScalars.count > 200 ? clipped + "…" : clipped
    }
}
