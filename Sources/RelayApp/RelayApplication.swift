import Foundation
import HLSPackager
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import NIOSSL
import Logging
import MediaRemux
import Prometheus
import RelayAPI
import RoomRegistry
import ServiceLifecycle
import SRTTransport
import StreamHub
import Synchronization
import Telemetry

/// The assembled gateway: what `fieldrelay serve` runs and what the tests start on loopback ports.
public final class RelayApplication: Sendable {
    public let configuration: RelayConfiguration
    public let paths: PathManager
    public let srt: SRTServer
    public let registry: Registry
    /// Where the admin token is kept (mode 0600), and the token.
    public let adminTokenPath: String
    public let adminToken: String
    public let ingestCounters: IngestCounters
    /// The HTTP edge's refusals and connection gauges (both ports), as in /metrics.
    public let edgeCounters: HTTPEdgeCounters
    /// Joint reporting: the coordinator, its record and the tokens.
    public let reporting: ReportingServices
    /// RTSP cameras pulled as the publishers of paths (start one with `pulls.start(path, ...)`).
    public let pulls: RTSPPulls
    private let services: [any Service]
    private let httpPortBox: PortBox
    private let logger: Logger
    private let group = Mutex<ServiceGroup?>(nil)

    init(configuration: RelayConfiguration, paths: PathManager, srt: SRTServer, registry: Registry, adminToken: (String, String),
         ingestCounters: IngestCounters, edgeCounters: HTTPEdgeCounters, reporting: ReportingServices, pulls: RTSPPulls,
         services: [any Service], httpPortBox: PortBox, logger: Logger) {
        self.configuration = configuration
        self.paths = paths
        self.srt = srt
        self.registry = registry
        self.adminToken = adminToken.0
        self.adminTokenPath = adminToken.1
        self.ingestCounters = ingestCounters
        self.edgeCounters = edgeCounters
        self.reporting = reporting
        self.pulls = pulls
        self.services = services
        self.httpPortBox = httpPortBox
        self.logger = logger
    }

    /// The SRT port actually bound.
    public var srtPort: Int { srt.boundPort ?? configuration.srt.port }

    /// The HTTP port actually bound, once the server runs (nil before).
    public var httpPort: Int? { httpPortBox.port.withLock { $0 } }

    /// The HTTPS (HTTP/2) port actually bound, when TLS is configured and the server runs.
    public var httpsPort: Int? { httpPortBox.tlsPort.withLock { $0 } }

    /// Runs until SIGTERM/SIGINT (or until the task is cancelled), then drains: connections close,
    /// held requests end, and the process can exit within a few seconds.
    public func run(handleSignals: Bool = true) async throws {
        var configuration = ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(4)
        // ServiceLifecycle ends the process with a fatal error past this: on a loaded machine a
        // last status flush (an SQLite write) took longer than the 1 s it used to be.
        configuration.maximumCancellationDuration = .seconds(3)
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
    /// an error at start, not a silent failure later. `prometheus`: the registry every metric is
    /// made in and /metrics renders (a new one by default: each gateway, each test, its own).
    public static func build(_ configuration: RelayConfiguration, logger baseLogger: Logger? = nil,
                             prometheus: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) async throws -> RelayApplication {
        try configuration.validate()
        let metricsBackend = PrometheusBackend(registry: prometheus)
        let metrics = MetricsRegistry(backend: metricsBackend)
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
        OpenFileLimit.raise(srtConnections: configuration.srt.maxConnections, httpConnections: configuration.http.maxConnections,
                            logger: appLogger)

        // The registry: seeded with the Tongren demo on the first start on an empty data directory.
        let dataURL = URL(fileURLWithPath: configuration.dataDirectory)
        let registryLogger = logger("registry")
        // A first start is one that has not finished. `Registry.open` creates the database file
        // before the seed transaction commits, and the admin token is written only after the seed;
        // so a first start killed while seeding (the file there, the registry empty) is still a
        // first start, and seeds on the next. `seedDemo` changes nothing in a registry that holds
        // anything (one imported with the CLI before the first start, say).
        let firstStart = !FileManager.default.fileExists(atPath: dataURL.appendingPathComponent(Registry.databaseFileName).path)
            || !FileManager.default.fileExists(atPath: dataURL.appendingPathComponent(AdminToken.fileName).path)
        let registry: Registry
        do {
            registry = try Registry.open(directory: dataURL)
            if firstStart, try await registry.seedDemo() {
                let counts = try await registry.counts()
                registryLogger.notice("first start: seeded the Tongren demo registry (synthetic township and village names, flagged)", metadata: [
                    "counties": "\(counts.counties)", "townships": "\(counts.townships)", "rooms": "\(counts.rooms)"])
            }
            // After a restart every source starts offline; status comes back with its media.
            try await registry.status.resetAllOffline()
        } catch {
            throw RelayAppError(.startup, "registry in \(configuration.dataDirectory): \(error)")
        }
        let admin: (token: String, path: URL, created: Bool)
        do {
            admin = try AdminToken.loadOrCreate(directory: dataURL)
        } catch {
            throw RelayAppError(.startup, "admin token in \(configuration.dataDirectory): \(error)")
        }
        appLogger.notice(admin.created ? "admin token written (mode 0600)" : "admin token", metadata: ["file": "\(admin.path.path)"])
        let evidenceKey = try RecordingServices.evidenceKey(configuration)
        appLogger.notice("evidence key", metadata: ["file": "\(configuration.dataDirectory)/evidence.key", "id": "\(evidenceKey.publicKey.id)"])
        let reporting = try await ReportingServices.build(dataDirectory: dataURL, registry: registry, adminToken: admin.token, logger: logger("reporting"))

        let hlsConfiguration = HLSConfiguration(segmentTargetSeconds: configuration.hls.segmentTargetSeconds,
                                                windowSegments: configuration.hls.windowSegments,
                                                retainedSegments: configuration.hls.retainedSegments)
        var pathConfiguration = PathManager.Configuration()
        pathConfiguration.takeoverAfter = .milliseconds(configuration.paths.takeoverAfterMs)
        pathConfiguration.stallAfter = .milliseconds(Int64(configuration.paths.stallTimeoutSeconds * 1000))
        pathConfiguration.reconnectGrace = .milliseconds(Int64(configuration.paths.reconnectGraceSeconds * 1000))
        pathConfiguration.retention = .milliseconds(Int64(configuration.paths.retentionSeconds * 1000))
        pathConfiguration.backfill = .milliseconds(Int64(configuration.paths.backfillSeconds * 1000))
        // Packagers are made on demand by HLS delivery, not with the path.
        let paths = PathManager(configuration: pathConfiguration, logger: logger("hub")) { _ in [] }
        PathGauges.declare(paths: paths, in: metrics)
        let packagers = HLSPackagers(
            classic: hlsConfiguration,
            lowLatency: LowLatencyConfiguration(segmentTargetSeconds: configuration.hls.segmentTargetSeconds,
                                                partTargetSeconds: configuration.hls.partTargetSeconds),
            idleTimeout: .milliseconds(Int64(configuration.hls.packagerIdleSeconds * 1000)), logger: logger("hls"), metrics: metrics)

        let ingestCounters = IngestCounters(metrics: metrics)
        if configuration.srt.openIngest {
            appLogger.warning("open ingest is on: any lab/<name> path may publish without a key (lab use only)")
        }
        let connections = ConnectionTable()
        let coordinator = reporting.coordinator
        let directory = registry.admission
        let readKeys = reporting.srtReadKeys
        let readerPolicy = IngestAdmission.ReaderPolicy(
            readKey: { readKeys.currentKey(for: $0) },
            keyGeneration: { readKeys.generation(for: $0) },
            organisationExists: { directory.lookup(path: "hall/\($0)") != nil },
            canView: { coordinator.canView(org: $0, path: $1) })
        let admission = IngestAdmission(paths: paths, admissionIndex: registry.admission, openIngest: configuration.srt.openIngest,
                                        counters: ingestCounters, connections: connections, readers: readerPolicy, logger: logger("ingest"))
        // A revoked device or a rotated key loses its live connection at once; the device must come
        // back with the new key (or not at all).
        let hubLogger = logger("hub")
        registry.onSourceChanged = { [paths] change in
            guard change.kind == .revoked || change.kind == .keyRotated || change.kind == .removed,
                  let name = try? PathName(change.path), let path = paths.path(name) else { return }
            if path.disconnectPublisher(reason: "source \(change.kind.rawValue)") {
                hubLogger.notice("live connection cut", metadata: ["path": "\(name)", "because": "\(change.kind.rawValue)"])
            }
        }
        let srt = SRTServer(configuration: SRTServerConfiguration(
            host: configuration.srt.host, port: configuration.srt.port, latencyMilliseconds: configuration.srt.latencyMs,
            peerIdleTimeoutMilliseconds: configuration.srt.peerIdleTimeoutMs, receiveLoops: configuration.srt.receiveLoops,
            maxConnections: configuration.srt.maxConnections,
            publisherDelivery: SRTPublisherDelivery(rawValue: configuration.srt.publisherDelivery) ?? .tsbpd,
            receiveBatchMilliseconds: configuration.srt.receiveBatchMs,
            maxPendingHandshakesPerSource: configuration.srt.maxPendingHandshakesPerSource,
            maxPendingHandshakesPerStream: configuration.srt.maxPendingHandshakesPerStream), admission: admission, logger: logger("srt"),
            metrics: metrics)
        // Before libsrt allocates anything: see ProcessHeap.
        if configuration.memory.mapBlocksFromKiB > 0, !ProcessHeap.mapBlocks(fromBytes: configuration.memory.mapBlocksFromKiB * 1024) {
            appLogger.warning("glibc refused memory.mapBlocksFromKiB", metadata: ["kib": "\(configuration.memory.mapBlocksFromKiB)"])
        }
        do {
            try srt.start()
        } catch {
            throw RelayAppError(.startup, error.message)
        }

        let edge = HTTPEdge(limits: configuration.http.edgeLimits, counters: HTTPEdgeCounters(metrics: metrics))
        let heapTrims = HeapTrimCounters(metrics: metrics)
        let mediaCache = MediaBufferCache()
        let recordings = RecordingServices.build(configuration, paths: paths, coordinator: coordinator, evidenceKey: evidenceKey,
                                                 logger: logger("recording"))
        let pulls = RTSPPulls(paths: paths, logger: logger("rtsp"))
        var pointSettings = PointPulls.Settings()
        pointSettings.startTimeout = .milliseconds(Int64(configuration.points.startTimeoutSeconds * 1000))
        pointSettings.idleAfter = .milliseconds(Int64(configuration.points.idleSeconds * 1000))
        pointSettings.maxActivePulls = configuration.points.maxActivePulls
        pointSettings.maxPullsPerOrganisation = configuration.points.maxPullsPerOrganisation
        let points = PointPulls(pulls: pulls, paths: paths, settings: pointSettings, logger: logger("points"), lookup: { id in
            do {
                return try await registry.pointSource(id: id)
            } catch let error as RegistryError where error.code == .notFound {
                return nil
            }
        }, sessionFeeds: {
            Set(await coordinator.sessions(visibleTo: .admin, state: .open).flatMap { session in
                session.feeds.compactMap { feed in try? PathName(feed.path.description) }
            }.filter { $0.kind == .point })
        })
        points.declareGauges(in: metrics)
        RecordingGauges.declare(recordings, in: metrics)
        let router = RelayRouter.build(paths: paths, packagers: packagers, registry: registry, reporting: reporting.context,
                                       recording: recordings.context,
                                       configuration: RelayRouter.Configuration(
            corsAllowedOrigins: configuration.http.corsAllowedOrigins,
            firstSegmentWait: .milliseconds(Int64(configuration.http.firstSegmentWaitSeconds * 1000)),
            publicHost: configuration.srt.publicHost, srtPort: srt.boundPort ?? configuration.srt.port,
            defaultLowLatency: configuration.hls.defaultPlaylist == "low-latency",
            maxHeldRequests: configuration.http.maxHeldRequests, edgeCounters: edge.counters, mediaCache: mediaCache,
            mapTilesUrl: configuration.console.mapTilesUrl, onDemand: points)) {
            metricsBackend.render(metrics)
        }
        let httpPortBox = PortBox()
        let httpLogger = logger("api")
        let http = Application(
            router: router,
            server: .http1(configuration: Self.http1Configuration(configuration.http, edge: edge)),
            configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port), serverName: "FieldRelay"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port
                httpPortBox.port.withLock { $0 = port }
                httpLogger.info("HTTP listening", metadata: ["address": "\(configuration.http.host):\(port.map(String.init) ?? "?")"])
            },
            logger: httpLogger)
        var services: [any Service] = []
        if configuration.http.tls.enabled {
            services.append(try Self.httpsServer(configuration, router: router, edge: edge, portBox: httpPortBox, logger: httpLogger))
        }
        services += [
            SRTIngestService(server: srt),
            RTSPPullService(pulls: pulls),
            PointPullService(points: points),
            // The paths' timers: stall detection, the end of the reconnect grace window, forgetting old paths.
            PeriodicService(interval: .milliseconds(250)) { paths.tick() },
            // Expired media buffers go even when no request comes (every insertion also evicts).
            PeriodicService(interval: .seconds(10)) { mediaCache.evictExpired(now: .now) },
            StatusService(paths: paths, registry: registry, connections: connections, logger: registryLogger),
            reporting.service,
        ] + recordings.services + [
            http,
        ]
        if configuration.memory.trimIntervalSeconds > 0 {
            services.append(HeapTrimService(interval: .milliseconds(Int64(configuration.memory.trimIntervalSeconds * 1000)),
                                            counters: heapTrims, logger: appLogger))
        }
        return RelayApplication(configuration: configuration, paths: paths, srt: srt, registry: registry,
                                adminToken: (admin.token, admin.path.path), ingestCounters: ingestCounters, edgeCounters: edge.counters, reporting: reporting,
                                pulls: pulls, services: services, httpPortBox: httpPortBox, logger: appLogger)
    }
}

/// The HTTP ports, learned when the servers start (port 0 in tests picks a free one).
final class PortBox: Sendable {
    let port = Mutex<Int?>(nil)
    let tlsPort = Mutex<Int?>(nil)
}

extension RelayApplication {
    /// HTTPS with HTTP/2 (ALPN h2, falling back to HTTP/1.1) on its own port, same routes.
    /// HTTP/1: the edge guard in every connection, NIO's decoder limited to `maxHeaderBytes`.
    static func http1Configuration(_ http: RelayConfiguration.HTTP, edge: HTTPEdge) -> HTTP1Channel.Configuration {
        HTTP1Channel.Configuration(
            additionalChannelHandlers: edge.connectionHandlers(),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: http.maxHeaderBytes, maxHeaderListSize: http.maxHeaderBytes))
    }

    static func httpsServer(_ configuration: RelayConfiguration, router: Router<RelayRequestContext>, edge: HTTPEdge, portBox: PortBox,
                            logger: Logger) throws -> some Service {
        let tls = configuration.http.tls
        var tlsConfiguration: TLSConfiguration
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: tls.keyFile, format: .pem)
            tlsConfiguration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            // A closing connection waits this long for the client's close_notify (NIOSSL's default, 5 s,
            // outlasts the 4 s drain at shutdown: one client that never answers stopped the process).
            tlsConfiguration.shutdownTimeout = .seconds(1)
        } catch {
            throw RelayAppError(.startup, "http.tls: cannot load \(tls.certificateFile) / \(tls.keyFile): \(error)")
        }
        return Application(
            router: router,
            // Each TLS connection takes a slot against http.maxConnections, shared with plain HTTP, when
            // accepted (HTTPSEdgeChannel); the edge guard runs per request (an HTTP/2 stream, or the
            // connection under HTTP/1.1) and marks the connection busy while requests are in progress.
            // HTTP/2's idle timeout closes connections without streams.
            server: .countedHTTP2Upgrade(tlsConfiguration: tlsConfiguration, configuration: .init(
                idleTimeout: .milliseconds(Int64(configuration.http.idleTimeoutSeconds * 1000)),
                streamConfiguration: HTTP1Channel.Configuration(
                    additionalChannelHandlers: edge.requestHandlers(),
                    httpDecoderConfiguration: .init(maxHeaderFieldSize: configuration.http.maxHeaderBytes,
                                                    maxHeaderListSize: configuration.http.maxHeaderBytes))),
                edge: edge),
            configuration: .init(address: .hostname(configuration.http.host, port: tls.port), serverName: "FieldRelay"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port
                portBox.tlsPort.withLock { $0 = port }
                logger.info("HTTPS (HTTP/2) listening", metadata: ["address": "\(configuration.http.host):\(port.map(String.init) ?? "?")"])
            },
            logger: logger)
    }
}
