import CoreMetrics
import Telemetry

/// Packaging metrics across all paths, declared against the application's registry (packagers come
/// and go on demand; these stay).
public final class HLSMetrics: Sendable {
    let segments: Counter
    let parts: Counter
    let oversizedSegments: Counter
    let muxErrors: Counter
    /// Time from the arrival of a part's last access unit to the part's availability in the
    /// playlist, in seconds.
    let partLatency: Recorder

    public init(metrics: MetricsRegistry = MetricsRegistry()) {
        segments = metrics.counter("fieldrelay_hls_segments_total", help: "HLS segments produced (classic and Low-Latency).")
        parts = metrics.counter("fieldrelay_hls_parts_total", help: "Low-Latency HLS parts produced.")
        oversizedSegments = metrics.counter("fieldrelay_hls_oversized_segments_total",
                                            help: "Segments longer than the playlist's target duration.")
        muxErrors = metrics.counter("fieldrelay_hls_mux_errors_total", help: "Access units or segments the muxers refused.")
        partLatency = metrics.histogram("fieldrelay_hls_part_latency_seconds",
                                        help: "From the arrival of a part's last access unit to the part's availability in the playlist.",
                                        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1])
    }
}
