import HLSPackager
import StreamHub
import Telemetry

/// The gauges that are views of the live paths, computed at scrape time: publishers connected,
/// paths by status, packagers running (packagers are readers of their path, made on demand).
enum PathGauges {
    static func declare(paths: PathManager, in metrics: MetricsRegistry) {
        let publishers = metrics.gauge("fieldrelay_publishers_active", help: "Publishers connected now (online or stalled).")
        let byStatus = "Known paths by status."
        let online = metrics.gauge("fieldrelay_paths", help: byStatus, labels: [("status", "online")])
        let stalled = metrics.gauge("fieldrelay_paths", help: byStatus, labels: [("status", "stalled")])
        let reconnecting = metrics.gauge("fieldrelay_paths", help: byStatus, labels: [("status", "reconnecting")])
        let offline = metrics.gauge("fieldrelay_paths", help: byStatus, labels: [("status", "offline")])
        let packagers = metrics.gauge("fieldrelay_hls_packagers_active",
                                      help: "Packagers running now (they start on demand and stop when idle).")
        metrics.onScrape {
            var counts = (online: 0, stalled: 0, reconnecting: 0, offline: 0, packagers: 0)
            for path in paths.allPaths() {
                switch path.snapshot.status {
                case .online: counts.online += 1
                case .stalled: counts.stalled += 1
                case .reconnecting: counts.reconnecting += 1
                case .offline: counts.offline += 1
                }
                if path.reader(of: ClassicHLSPackager.self) != nil { counts.packagers += 1 }
                if path.reader(of: LowLatencyHLSPackager.self) != nil { counts.packagers += 1 }
            }
            publishers.record(counts.online + counts.stalled)
            online.record(counts.online)
            stalled.record(counts.stalled)
            reconnecting.record(counts.reconnecting)
            offline.record(counts.offline)
            packagers.record(counts.packagers)
        }
    }
}
