import Foundation
import HLSPackager
import Hummingbird
import Logging
import MediaRemux
import RelayAPI
import ServiceLifecycle
import SRTTransport
import StreamHub
import Synchronization

/// The assembled gateway: what `fieldrelay serve` runs and what the tests start on loopback ports.
public final class RelayApplication: Sendable {
    public let configuration: RelayConfiguration
    public let paths: PathManager
    public let srt: SRTServer
    public let ingestCounters: IngestCounters
    private let services: [any Service]
    private let httpPortBox: PortBox
    private let logger: Logger
    private let group = Mutex<ServiceGroup?>(nil)

    init(configuration: RelayConfiguration, paths: PathManager, srt: SRTServer, ingestCounters: IngestCounters,
         services: [any Service], httpPortBox: PortBox, logger: Logger) {
        self.configuration = configuration
        self.paths = paths
        self.srt = srt
        self.ingestCounters = ingestCounters
        self.services = services
        self.httpPortBox = httpPortBox
        self.logger = logger
    }

    /// The SRT port actually bound.
    public var srtPort: Int { srt.boundPort ?? configuration.srt.port }

    /// The HTTP port actually bound, once the server runs (nil before).
    public var httpPort: Int? { httpPortBox.port.withLock { $0 } }

    /// Runs until SIGTERM/SIGINT (or until the task is cancelled), then drains: connections close,
    /// held requests end, and the process can exit within a few seconds.
    public func run(handleSignals: Bool = true) async throws {
        var configuration = ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(4)
        configuration.maximumCancellationDuration = .seconds(1)
        let group = ServiceGroup(configuration: configuration)
        self.group.withLock { $0 = group }
        try await group.run()
    }

    /// Starts the same drain a SIGTERM starts (used by tests and embedders).
    public func shutdown() async {
        await group.withLock { $0 }?.triggerGracefulShutdown()
    }
}

extension RelayApplication {
    /// Builds the whole gateway from its configuration. Binds the SRT port now, so a port in use is
    /// an error at start, not a silent failure later.
    public static func build(_ configuration: RelayConfiguration, logger baseLogger: Logger? = nil) throws -> RelayApplication {
        try configuration.validate()
        func logger(_ label: String) -> Logger {
            var logger = baseLogger ?? Logger(label: "fieldrelay.\(label)")
            if baseLogger != nil { logger[metadataKey: "module"] = "\(label)" }
            logger.logLevel = configuration.logLevel
            return logger
        }
        let appLogger = logger("app")
        do {
            try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw RelayAppError(.startup, "cannot create data directory \(configuration.dataDirectory): \(error.localizedDescription)")
        }
        FFmpegLog.bridge(to: logger("remux"))

        let hlsConfiguration = HLSConfiguration(segmentTargetSeconds: configuration.hls.segmentTargetSeconds,
                                                windowSegments: configuration.hls.windowSegments,
                                                retainedSegments: configuration.hls.retainedSegments)
        var pathConfiguration = PathManager.Configuration()
        pathConfiguration.takeoverAfter = .milliseconds(configuration.paths.takeoverAfterMs)
        pathConfiguration.stallAfter = .milliseconds(Int64(configuration.paths.stallTimeoutSeconds * 1000))
        pathConfiguration.reconnectGrace = .milliseconds(Int64(configuration.paths.reconnectGraceSeconds * 1000))
        pathConfiguration.retention = .milliseconds(Int64(configuration.paths.retentionSeconds * 1000))
        let hlsLogger = logger("hls")
        let paths = PathManager(configuration: pathConfiguration, logger: logger("hub")) { path in
            [ClassicHLSPackager(path: path, configuration: hlsConfiguration, logger: hlsLogger)]
        }

        let ingestCounters = IngestCounters()
        if configuration.srt.openIngest {
            appLogger.warning("open ingest is on: any lab/<name> path may publish without a key (lab use only)")
        }
        let admission = IngestAdmission(paths: paths, openIngest: configuration.srt.openIngest, counters: ingestCounters, logger: logger("ingest"))
        let srt = SRTServer(configuration: SRTServerConfiguration(
            host: configuration.srt.host, port: configuration.srt.port, latencyMilliseconds: configuration.srt.latencyMs,
            peerIdleTimeoutMilliseconds: configuration.srt.peerIdleTimeoutMs, receiveLoops: configuration.srt.receiveLoops,
            maxConnections: configuration.srt.maxConnections), admission: admission, logger: logger("srt"))
        do {
            try srt.start()
        } catch {
            throw RelayAppError(.startup, error.message)
        }

        let metrics = RelayMetrics(paths: paths, srt: srt, ingest: ingestCounters)
        let router = RelayRouter.build(paths: paths, configuration: RelayRouter.Configuration(
            corsAllowedOrigins: configuration.http.corsAllowedOrigins,
            firstSegmentWait: .milliseconds(Int64(configuration.http.firstSegmentWaitSeconds * 1000)))) {
            metrics.families()
        }
        let httpPortBox = PortBox()
        let httpLogger = logger("api")
        let http = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port), serverName: "FieldRelay"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port
                httpPortBox.port.withLock { $0 = port }
                httpLogger.info("HTTP listening", metadata: ["address": "\(configuration.http.host):\(port.map(String.init) ?? "?")"])
            },
            logger: httpLogger)
        let services: [any Service] = [
            SRTIngestService(server: srt),
            HousekeepingService(paths: paths, interval: .milliseconds(250)),
            http,
        ]
        return RelayApplication(configuration: configuration, paths: paths, srt: srt, ingestCounters: ingestCounters,
                                services: services, httpPortBox: httpPortBox, logger: appLogger)
    }
}

/// The HTTP port, learned when the server starts (port 0 in tests picks a free one).
final class PortBox: Sendable {
    let port = Mutex<Int?>(nil)
}
