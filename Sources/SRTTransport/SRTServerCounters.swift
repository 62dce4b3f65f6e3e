import Synchronization

/// Totals since start, read by /metrics. Atomics: written from libsrt's and the loops' threads.
public final class SRTServerCounters: Sendable {
    /// Handshakes the listen callback let through. A caller whose rejection is slow to reach it
    /// repeats its conclusion packet and libsrt calls the callback again (no peer state is kept for a
    /// failed handshake; callers multiplexed on one UDP port cannot be told apart by address), so
    /// under load one wrong-key caller may count twice.
    public let admitted = Atomic<Int>(0)
    /// Connections that reached `srt_accept`. admitted − accepted counts handshakes that failed inside
    /// libsrt after the callback (a wrong passphrase fails there, unseen by the listener).
    public let accepted = Atomic<Int>(0)
    public let active = Atomic<Int>(0)
    public let bytesReceived = Atomic<Int>(0)
    public let messagesReceived = Atomic<Int>(0)
    private let rejections = Mutex<[SRTRejectCode: Int]>([:])

    public init() {}

    func countRejection(_ code: SRTRejectCode) {
        rejections.withLock { $0[code, default: 0] += 1 }
    }

    public func rejectionsByCode() -> [SRTRejectCode: Int] {
        rejections.withLock { $0 }
    }
}
