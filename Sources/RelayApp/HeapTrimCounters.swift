import CoreMetrics
import SRTTransport
import Telemetry

/// The process's memory: its resident size, read at scrape time, and the totals of the periodic
/// heap trims (`HeapTrimService`).
final class HeapTrimCounters: Sendable {
    let trims: Counter
    /// Resident bytes before minus after each trim, summed (0 when a trim gave nothing back).
    let bytesReturned: Counter
    let seconds: FloatingPointCounter

    init(metrics: MetricsRegistry) {
        trims = metrics.counter("fieldrelay_memory_trims_total",
                                help: "Periodic returns of freed heap pages to the system (memory.trimIntervalSeconds).")
        bytesReturned = metrics.counter("fieldrelay_memory_trimmed_bytes_total",
                                        help: "Resident bytes given back by those trims (resident size before minus after).")
        seconds = metrics.floatingPointCounter("fieldrelay_memory_trim_seconds_total", help: "Time spent in those trims.")
        metrics.gauge("fieldrelay_process_resident_bytes", help: "Resident set size of the gateway process.",
                      readAtScrape: { ProcessHeap.residentBytes() ?? 0 })
    }
}
