import CoreMetrics
import Telemetry

/// Ingest and SRT-read metrics, declared against the application's registry.
public final class IngestCounters: Sendable {
    /// Access units demuxed, counted for every one.
    let accessUnits: Counter
    let continuityErrors: Counter
    /// Access units dropped because their DTS did not go forward (repeated or damaged by loss).
    let staleUnitsDropped: Counter
    /// Publishers' timestamps that jumped inside a connection (a new timeline, marked as a discontinuity).
    let timelineJumps: Counter
    let garbageClosed: Counter
    let readersConnected: Meter
    let readersDropped: Counter
    /// SRT readers disconnected because the viewing rules stopped letting them see the path, or
    /// because the read key they connected with was rotated.
    let readersRevoked: Counter

    public init(metrics: MetricsRegistry = MetricsRegistry()) {
        accessUnits = metrics.counter("fieldrelay_ingest_access_units_total", help: "Access units demuxed from publishers.")
        continuityErrors = metrics.counter("fieldrelay_ingest_continuity_errors_total",
                                           help: "MPEG-TS continuity counter gaps (packets lost upstream).")
        staleUnitsDropped = metrics.counter("fieldrelay_ingest_stale_units_dropped_total",
                                            help: "Access units dropped because their DTS did not go forward (repeated or damaged by loss).")
        timelineJumps = metrics.counter("fieldrelay_ingest_timeline_jumps_total",
                                        help: "Publishers' timestamps that jumped inside a connection: a new timeline, marked as a discontinuity.")
        garbageClosed = metrics.counter("fieldrelay_ingest_garbage_closed_total", help: "Publishers closed because their input was not MPEG-TS.")
        readersConnected = metrics.meter("fieldrelay_srt_readers_active", help: "SRT readers (hall decoders) connected now.")
        readersDropped = metrics.counter("fieldrelay_srt_readers_dropped_total", help: "SRT readers dropped because they could not keep up.")
        readersRevoked = metrics.counter("fieldrelay_srt_readers_revoked_total",
                                         help: "SRT readers disconnected because the viewing rules no longer let them see the path (a session closed, a removal) or their read key was rotated.")
    }
}
