import CSRT
import Synchronization

/// One accepted SRT connection. Its data goes to the handler the admission returned, on the receive
/// loop that owns it; `close(reason:)` may be called from any thread.
public final class SRTConnection: Sendable, CustomStringConvertible {
    public let id: Int32
    public let streamID: String
    public let peer: String
    let loop: ReceiveLoop
    /// The last figures read, so they can still be read once libsrt has let the socket go (a broken
    /// link's socket may be gone before the loop closes it).
    private let lastStatistics = Mutex<SRTLinkStatistics?>(nil)

    init(id: Int32, streamID: String, peer: String, loop: ReceiveLoop) {
        self.id = id
        self.streamID = streamID
        self.peer = peer
        self.loop = loop
    }

    /// Asks the owning loop to close the connection; the handler's `closed` follows on that loop.
    public func close(reason: String) {
        loop.requestClose(id, reason: reason)
    }

    public enum SendResult: Sendable, Equatable {
        case sent
        /// libsrt's send buffer is full: the reader is not keeping up.
        case full
        case closed(String)
    }

    /// Sends one message (at most 1316 bytes for live MPEG-TS: 7 packets) without blocking
    /// (SRTO_SNDSYN is off). Thread-safe in libsrt.
    public func send(_ bytes: UnsafeRawBufferPointer) -> SendResult {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .sent }
        let result = srt_sendmsg2(id, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
        if result >= 0 { return .sent }
        let error = srt_getlasterror(nil)
        if error == Int32(SRT_EASYNCSND.rawValue) { return .full }
        return .closed(lastErrorText())
    }

    /// The link figures from libsrt (thread-safe in libsrt). Once the socket is gone, the last
    /// figures read (just before the loop closed it, or earlier); nil if none were ever read.
    public func statistics() -> SRTLinkStatistics? {
        if let figures = liveStatistics() {
            lastStatistics.withLock { $0 = figures }
            return figures
        }
        return lastStatistics.withLock { $0 }
    }

    /// Called by the owning loop right before `srt_close`.
    func keepStatisticsBeforeClose() {
        _ = statistics()
    }

    private func liveStatistics() -> SRTLinkStatistics? {
        var perf = SRT_TRACEBSTATS()
        guard srt_bstats(id, &perf, 0) == 0 else { return nil }
        return SRTLinkStatistics(
            rttMilliseconds: perf.msRTT,
            receiveRateMbps: perf.mbpsRecvRate,
            bytesReceived: perf.byteRecvTotal,
            packetsReceived: perf.pktRecvTotal,
            packetsLost: Int(perf.pktRcvLossTotal),
            packetsRetransmitted: Int(perf.pktRcvRetrans),
            packetsDropped: Int(perf.pktRcvDropTotal),
            packetsUndecrypted: Int(perf.pktRcvUndecryptTotal))
    }

    public var description: String { "conn \(id) from \(peer)" }
}
