import Foundation
import HLSPackager
import HTTPTypes
import Hummingbird
import JointReporting
import Logging
import RoomRegistry
import StreamHub

/// The HTTP surface of FieldRelay, built once and used by both the server and the tests.
public enum RelayRouter {
    public struct Configuration: Sendable {
        public var corsAllowedOrigins: [String]
        /// A playlist request that arrives before the first segment is complete waits this long.
        public var firstSegmentWait: Duration
        /// Host name installers' devices reach the SRT port by; empty: the host the HTTP request named.
        public var publicHost: String
        public var srtPort: Int
        /// What `index.m3u8` serves: Low-Latency HLS (default) or classic.
        public var defaultLowLatency: Bool
        /// HLS requests held at once (blocking reloads and the like); beyond it, 503.
        public var maxHeldRequests: Int
        /// Where the edge's refusals are counted (the same counters the connection guard uses).
        public var edgeCounters: HTTPEdgeCounters
        /// Served segments, parts and init sections as ready buffers; the application sweeps it.
        public var mediaCache: MediaBufferCache
        /// The console's map tile server (an XYZ template), or empty for none.
        public var mapTilesUrl: String
        /// Sources pulled when first asked for (surveillance points); nil: none.
        public var onDemand: (any OnDemandSources)?

        public init(corsAllowedOrigins: [String] = ["*"], firstSegmentWait: Duration = .seconds(10),
                    publicHost: String = "", srtPort: Int = 9000, defaultLowLatency: Bool = true,
                    maxHeldRequests: Int = 10_000, edgeCounters: HTTPEdgeCounters = HTTPEdgeCounters(),
                    mediaCache: MediaBufferCache = MediaBufferCache(), mapTilesUrl: String = "", onDemand: (any OnDemandSources)? = nil) {
            self.onDemand = onDemand
            self.mediaCache = mediaCache
            self.mapTilesUrl = mapTilesUrl
            self.defaultLowLatency = defaultLowLatency
            self.maxHeldRequests = maxHeldRequests
            self.edgeCounters = edgeCounters
            self.corsAllowedOrigins = corsAllowedOrigins
            self.firstSegmentWait = firstSegmentWait
            self.publicHost = publicHost
            self.srtPort = srtPort
        }
    }

    /// The routes, with `reporting` deciding who the caller is (the admin, an organisation, a
    /// viewer token of either) and what it may see: one policy, passed in, for every route.
    /// `metrics` renders /metrics (`PrometheusBackend.render`).
    public static func build(paths: PathManager, packagers: HLSPackagers, registry: Registry? = nil, reporting: ReportingContext,
                             recording: RecordingContext = .off("not configured"), configuration: Configuration,
                             metrics: @escaping @Sendable () -> [UInt8]) -> Router<RelayRequestContext> {
        // HEAD mirrors GET on every route (RFC 9110 9.3.2): the same status and headers, Content-Length
        // included, without the body; a blocking playlist request blocks the same way.
        let router = Router(context: RelayRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: LogRequestsMiddleware(.debug))
        router.add(middleware: CORSMiddleware(allowedOrigins: configuration.corsAllowedOrigins))
        router.add(middleware: RefusalCountingMiddleware(counters: configuration.edgeCounters))
        router.add(middleware: AuthenticationMiddleware(reporting: reporting))
        router.add(middleware: FrameworkErrorMiddleware())
        HLSController(paths: paths, packagers: packagers, firstSegmentWait: configuration.firstSegmentWait,
                      access: MediaAccess(context: reporting), defaultLowLatency: configuration.defaultLowLatency,
                      held: HeldRequests(limit: configuration.maxHeldRequests, counters: configuration.edgeCounters),
                      cache: configuration.mediaCache, onDemand: configuration.onDemand)
            .addRoutes(to: router)
        if let registry { RegistryController(registry: registry, reporting: reporting, configuration: configuration).addRoutes(to: router) }
        ReportingController(context: reporting).addRoutes(to: router)
        RecordingController(recording: recording, reporting: reporting).addRoutes(to: router)
        ExportController(recording: recording, reporting: reporting).addRoutes(to: router)
        PlaybackController(recording: recording, reporting: reporting).addRoutes(to: router)
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = PrometheusBackend.contentType
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics())))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        // The API's own description (docs/openapi.yaml), for integrators before they hold a token.
        router.get("/api/v1/openapi.yaml") { _, _ in try OpenAPIDocument.response() }
        router.get("/api/v1/paths") { request, context in
            // lab paths are public (open ingest); registered sources are listed to the admin, and to
            // an organisation when the viewing rules let it see them (jurisdiction or a session).
            var canSee: (PathName) -> Bool = { $0.kind == .lab }
            switch try? await reporting.caller(request, context, readOnly: true) {
            case .admin?:
                canSee = { _ in true }
            case .organisation(let org)?:
                canSee = { $0.kind == .lab || reporting.coordinator.canView(org: org, path: $0.description) }
            case nil:
                break
            }
            var listed: [PathInfo] = []
            for path in paths.allPaths() where canSee(path.name) {
                var info = PathInfo(path.snapshot)
                if let source = try? JointReporting.SourcePath(parsing: info.path) { info.name = await reporting.coordinator.directory.displayName(of: source) }
                listed.append(info)
            }
            return try jsonResponse(PathList(paths: listed))
        }
        ConsoleController(reporting: reporting, registry: registry, mapTilesUrl: configuration.mapTilesUrl).addRoutes(to: router)
        return router
    }

    static func jsonResponse<Value: Encodable>(_ value: Value) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

struct PathList: Encodable {
    var paths: [PathInfo]
}

struct PathInfo: Encodable {
    var path: String
    /// The source's name for people (a room's, a body camera's, a hall's), nil when unknown.
    var name: String?
    var status: String
    var since: Date
    var publisher: String?
    var tracks: [String]
    var bytesIn: Int
    var hlsUrl: String

    init(_ snapshot: PathSnapshot) {
        path = snapshot.name.description
        status = snapshot.status.rawValue
        since = snapshot.since
        publisher = snapshot.publisher
        tracks = snapshot.tracks.map(\.description)
        bytesIn = snapshot.bytesIn
        hlsUrl = "/hls/\(snapshot.name)/index.m3u8"
    }
}
