import Recording
import Telemetry

/// Recording in `/metrics`, read from the writer at scrape time.
enum RecordingGauges {
    static func declare(_ recordings: RecordingServices, in metrics: MetricsRegistry) {
        metrics.gauge("fieldrelay_recording_enabled", help: "1 when recording runs; 0 when it is off (see /api/v1/recordings/status for why).") {
            recordings.manager == nil ? 0 : 1
        }
        guard let writer = recordings.manager?.writer else { return }
        metrics.gauge("fieldrelay_recording_disk_low",
                      help: "1 while free space is below recording.minFreeMiB and new recording is stopped.") { writer.currentFigures.diskLow ? 1 : 0 }
        metrics.gauge("fieldrelay_recording_open_files", help: "Recording files open for writing.") { writer.currentFigures.openFiles }
        metrics.gauge("fieldrelay_recording_queued_bytes", help: "Media waiting for the recording disk (bounded by recording.queueMiB).") {
            writer.currentFigures.queuedBytes
        }
        metrics.counter("fieldrelay_recording_fragments_written_total", help: "Fragments written, synced and indexed.") {
            writer.currentFigures.fragmentsWritten
        }
        metrics.counter("fieldrelay_recording_fragments_dropped_total",
                        help: "Fragments not recorded (disk slower than the streams, full, or a write failed); each run of them is a gap in the ledger.") {
            writer.currentFigures.fragmentsDropped
        }
        metrics.counter("fieldrelay_recording_bytes_written_total", help: "Bytes of fragments written.") {
            Int(writer.currentFigures.bytesWritten)
        }
        metrics.counter("fieldrelay_recording_write_errors_total", help: "Recording writes, syncs or index updates that failed.") {
            writer.currentFigures.writeErrors
        }
    }
}
