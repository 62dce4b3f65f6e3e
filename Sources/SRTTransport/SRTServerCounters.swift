import Synchronization

/// Totals since start, read by /metrics. Atomics: written from libsrt's and the loops' threads.
public final class SRTServerCounters: Sendable {
    /// Handshakes the listen callback let through. A caller whose rejection is slow to reach it
    /// repeats its conclusion packet and libsrt calls the callback again (no peer state is kept for a
    /// failed handshake; callers multiplexed on one UDP port cannot be told apart by address), so
    /// under load one wrong-key caller may count twice.
    public let admitted = Atomic<Int>(0)
    /// Connections that reached `srt_accept`.
    public let accepted = Atomic<Int>(0)
    /// Admitted handshakes that never reached `srt_accept` (a wrong passphrase fails inside libsrt,
    /// unseen by the listener), counted once each when their pending lifetime has passed. Only ever
    /// grows: it used to be computed as admitted − accepted, which fell when a retried handshake
    /// was accepted.
    public let handshakesFailed = Atomic<Int>(0)
    /// Handshakes refused (1402) because too many from the same address were pending
    /// (`HandshakeThrottle`); also counted among the 1402 rejections.
    public let handshakesThrottled = Atomic<Int>(0)
    public let active = Atomic<Int>(0)
    public let bytesReceived = Atomic<Int>(0)
    public let messagesReceived = Atomic<Int>(0)
    /// Publishers delivered on arrival: packets that had to wait for an earlier one (counted at close).
    public let packetsReordered = Atomic<Int>(0)
    /// Packets never received whose gap was given up on after the latency.
    public let packetsSkipped = Atomic<Int>(0)
    /// Packets that arrived after their place had been released or given up on (counted at close).
    public let packetsLate = Atomic<Int>(0)
    private let rejections = Mutex<[SRTRejectCode: Int]>([:])

    public init() {}

    func countRejection(_ code: SRTRejectCode) {
        rejections.withLock { $0[code, default: 0] += 1 }
    }

    public func rejectionsByCode() -> [SRTRejectCode: Int] {
        rejections.withLock { $0 }
    }
}
