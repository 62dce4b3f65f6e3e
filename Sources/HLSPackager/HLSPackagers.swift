import Logging
import StreamHub
import Telemetry

/// Makes a path's packagers when a client first asks for them (backfilled from the path's recent
/// media) and lets them go when nobody has asked for a while, so unwatched rooms cost no packaging.
public final class HLSPackagers: Sendable {
    public let classic: HLSConfiguration
    public let lowLatency: LowLatencyConfiguration
    public let idleTimeout: Duration
    public let metrics: HLSMetrics
    private let logger: Logger

    public init(classic: HLSConfiguration, lowLatency: LowLatencyConfiguration, idleTimeout: Duration, logger: Logger,
                metrics: MetricsRegistry = MetricsRegistry()) {
        self.metrics = HLSMetrics(metrics: metrics)
        self.classic = classic
        self.lowLatency = lowLatency
        self.idleTimeout = idleTimeout
        self.logger = logger
    }

    public func classic(for path: LivePath) -> ClassicHLSPackager {
        let packager = path.reader(of: ClassicHLSPackager.self) {
            return ClassicHLSPackager(path: path, configuration: classic, metrics: metrics, idleTimeout: idleTimeout, logger: logger)
        }
        packager.touch()
        return packager
    }

    public func lowLatency(for path: LivePath) -> LowLatencyHLSPackager {
        let packager = path.reader(of: LowLatencyHLSPackager.self) {
            return LowLatencyHLSPackager(path: path, configuration: lowLatency, metrics: metrics, idleTimeout: idleTimeout, logger: logger)
        }
        packager.touch()
        return packager
    }
}
