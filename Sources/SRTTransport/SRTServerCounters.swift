import CoreMetrics
import Synchronization
import Telemetry

/// The SRT listener's metrics, declared against the application's registry. Written from libsrt's
/// thread (the listen callback) and from the receive loops.
public final class SRTServerCounters: Sendable {
    /// Bytes received, counted for every packet (straight into swift-prometheus' counter: measured,
    /// it costs what a relaxed atomic does; see `docs/architecture.md`, "Metrics").
    let bytesReceived: Counter
    /// Connections open now: state the listen callback reads to refuse at capacity, set into
    /// `fieldrelay_srt_connections_active` at scrape time.
    public let active = Atomic<Int>(0)
    /// Handshakes the listen callback let through. A caller whose rejection is slow to reach it
    /// repeats its conclusion packet and libsrt calls the callback again (no peer state is kept for a
    /// failed handshake; callers multiplexed on one UDP port cannot be told apart by address), so
    /// under load one wrong-key caller may count twice.
    let admitted: Counter
    /// Connections that reached `srt_accept`.
    let accepted: Counter
    /// Admitted handshakes that never reached `srt_accept` (a wrong passphrase fails inside libsrt,
    /// unseen by the listener), counted once each when their pending lifetime has passed. Only ever
    /// grows: it used to be computed as admitted − accepted, which fell when a retried handshake
    /// was accepted.
    let handshakesFailed: Counter
    /// Handshakes refused (1402) because too many from the same address were pending
    /// (`HandshakeThrottle`); also counted among the 1402 rejections.
    let handshakesThrottled: Counter
    /// Publishers delivered on arrival: packets that had to wait for an earlier one (counted at close).
    let packetsReordered: Counter
    /// Packets never received whose gap was given up on after the latency.
    let packetsSkipped: Counter
    /// Packets that arrived after their place had been released or given up on (counted at close).
    let packetsLate: Counter
    /// `fieldrelay_srt_rejections_total{code}`, one series per code once it has happened (a code never
    /// refused has no sample).
    private let rejections: Mutex<[SRTRejectCode: Counter]> = Mutex([:])
    private let metrics: MetricsRegistry

    public init(metrics: MetricsRegistry) {
        self.metrics = metrics
        bytesReceived = metrics.counter("fieldrelay_ingest_bytes_total", help: "Bytes received over SRT.")
        admitted = metrics.counter("fieldrelay_srt_handshakes_admitted_total", help: "Handshakes the listen callback admitted.")
        accepted = metrics.counter("fieldrelay_srt_connections_accepted_total", help: "Connections accepted.")
        handshakesFailed = metrics.counter("fieldrelay_srt_handshakes_failed_total",
                                           help: "Handshakes admitted by the listen callback that did not reach accept within srt's pending lifetime (5 s): a wrong or missing passphrase, a caller that gave up.")
        handshakesThrottled = metrics.counter("fieldrelay_srt_handshakes_throttled_total",
                                              help: "Handshakes refused with 1402 because too many from the same address (and stream id) had not completed (srt.maxPendingHandshakesPer*).")
        packetsReordered = metrics.counter("fieldrelay_srt_packets_reordered_total",
                                           help: "Publishers delivered on arrival: packets held until an earlier, retransmitted one arrived.")
        packetsSkipped = metrics.counter("fieldrelay_srt_packets_skipped_total",
                                         help: "Publishers delivered on arrival: packets never received, given up on after the latency.")
        packetsLate = metrics.counter("fieldrelay_srt_packets_late_total",
                                      help: "Publishers delivered on arrival: packets that arrived after their place was given up on.")
        metrics.gauge("fieldrelay_srt_connections_active", help: "SRT connections open now.",
                      readAtScrape: { [weak self] in self?.active.load(ordering: .relaxed) ?? 0 })
    }

    func countRejection(_ code: SRTRejectCode) {
        let counter = rejections.withLock { made in
            if let counter = made[code] { return counter }
            let counter = metrics.counter("fieldrelay_srt_rejections_total", help: "Handshakes refused, by SRT access-control code.",
                                          labels: [("code", "\(code.rawValue)")])
            made[code] = counter
            return counter
        }
        counter.increment()
    }
}
