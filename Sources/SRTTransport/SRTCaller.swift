import CSRT
import Synchronization

/// One caller socket made by an `SRTCallerGroup`: non-blocking connect and non-blocking sends.
/// `send` and `state` may be called from any thread (libsrt serialises per socket); the owner must
/// not use the caller after `close()`.
public final class SRTCaller: Sendable, CustomStringConvertible {
    public let id: Int32
    /// Keeps libsrt started (and the shared port's owner alive) as long as this socket exists.
    private let group: SRTCallerGroup
    private let closed = Atomic<Bool>(false)

    public enum State: Sendable, Equatable {
        case connecting
        case connected
        /// Refused, timed out, or broken after connecting; the reason as libsrt recorded it.
        case failed(SRTConnectFailure)
        case closed
    }

    public enum SendResult: Sendable, Equatable {
        case sent
        /// The send buffer is full (SRT_EASYNCSND); try again later.
        case wouldBlock
        /// The connection is gone; `state` says why.
        case failed
    }

    init(id: Int32, group: SRTCallerGroup) {
        self.id = id
        self.group = group
    }

    deinit {
        // srt_close fails only for a socket libsrt no longer knows (already gone): nothing to undo.
        if !closed.load(ordering: .relaxed) { _ = srt_close(id) }
    }

    public var state: State {
        if closed.load(ordering: .relaxed) { return .closed }
        switch srt_getsockstate(id) {
        case SRTS_INIT, SRTS_OPENED, SRTS_CONNECTING:
            return .connecting
        case SRTS_CONNECTED:
            return .connected
        default:
            return .failed(SRTConnectFailure.of(id))
        }
    }

    /// Sends one message (in live mode: up to 1316 bytes, seven MPEG-TS packets).
    public func send(_ message: UnsafeRawBufferPointer) -> SendResult {
        let result = srt_sendmsg2(id, message.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(message.count), nil)
        if result >= 0 { return .sent }
        // srt_getlasterror is per thread in libsrt: this is the error of the call just made.
        return srt_getlasterror(nil) == Int32(SRT_EASYNCSND.rawValue) ? .wouldBlock : .failed
    }

    /// libsrt's sender figures; nil once the socket is closed or unknown to libsrt.
    public func statistics() -> SRTSendStatistics? {
        guard !closed.load(ordering: .relaxed) else { return nil }
        var perf = SRT_TRACEBSTATS()
        guard srt_bstats(id, &perf, 0) == 0 else { return nil }
        return SRTSendStatistics(
            packetsSent: perf.pktSentTotal,
            packetsSentUnique: perf.pktSentUniqueTotal,
            packetsLost: Int(perf.pktSndLossTotal),
            packetsRetransmitted: Int(perf.pktRetransTotal),
            packetsDropped: Int(perf.pktSndDropTotal),
            bytesSent: perf.byteSentTotal,
            rttMilliseconds: perf.msRTT,
            sendRateMbps: perf.mbpsSendRate)
    }

    /// Closes the socket (idempotent). Pending live data is not lingered on: SRTO_LINGER is 0 in live mode.
    public func close() {
        guard closed.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        // As in deinit: a failure means libsrt had already removed the socket.
        _ = srt_close(id)
    }

    public var description: String { "caller \(id)" }
}
