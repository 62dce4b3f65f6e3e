import Foundation
import Logging
import RelayAPI

/// Everything FieldRelay can be told, mirrored key for key by `configs/fieldrelay.yml` (which
/// documents each key with its default). Every key is optional; unknown keys are refused by name,
/// so a typo cannot silently fall back to a default. The stored properties are the keys and their
/// initial values the defaults: the synthesized `Codable` conformance is the only list of keys the
/// loader has (`RelayConfiguration+Loading.swift`), so a property added here is a key at once.
public struct RelayConfiguration: Sendable, Equatable, Codable {
    /// Where the database and anything else persisted lives.
    public var dataDirectory: String = "./data"
    public var log = Log()
    public var srt = SRT()
    public var http = HTTP()
    public var hls = HLS()
    public var paths = Paths()
    public var memory = Memory()
    public var console = Console()
    public var recording = RecordingSettings()
    public var points = Points()

    public init() {}

    public struct Log: Sendable, Equatable, Codable {
        public var level: String = "info"
    }

    public struct SRT: Sendable, Equatable, Codable {
        public var host: String = "0.0.0.0"
        public var port: Int = 9000
        public var latencyMs: Int = 1000
        public var peerIdleTimeoutMs: Int = 5000
        public var receiveLoops: Int = 2
        /// "tsbpd" or "on-arrival": how publishers' packets are handed over (SRTPublisherDelivery).
        public var publisherDelivery: String = "tsbpd"
        public var receiveBatchMs: Int = 5
        public var maxConnections: Int = 4000
        public var maxPendingHandshakesPerSource: Int = 64
        public var maxPendingHandshakesPerStream: Int = 4
        public var openIngest: Bool = false
        public var publicHost: String = ""
    }

    public struct HTTP: Sendable, Equatable, Codable {
        public var host: String = "0.0.0.0"
        public var port: Int = 8080
        public var corsAllowedOrigins: [String] = ["*"]
        public var firstSegmentWaitSeconds: Double = 10
        /// Connections open at once; at the limit the longest-idle one makes room, else refused.
        public var maxConnections: Int = 10_000
        /// No request in progress for this long (idle keep-alive, or a head dribbled byte by byte): closed.
        public var idleTimeoutSeconds: Double = 30
        /// A request body not complete this long after its head: closed.
        public var bodyTimeoutSeconds: Double = 30
        /// Request line plus header fields; beyond it, 431.
        public var maxHeaderBytes: Int = 32 * 1024
        /// Request body; a declared larger one is answered 413, a streamed one cut off.
        public var maxBodyBytes: Int = 1024 * 1024
        /// HLS requests held at once (blocking playlist reloads, preload hints); beyond it, 503.
        public var maxHeldRequests: Int = 10_000
        public var tls = TLS()
    }

    public struct TLS: Sendable, Equatable, Codable {
        /// PEM certificate chain; with `keyFile`, HTTPS with HTTP/2 is served on `port`.
        public var certificateFile: String = ""
        public var keyFile: String = ""
        public var port: Int = 8443
        public var enabled: Bool { !certificateFile.isEmpty && !keyFile.isEmpty }
    }

    public struct HLS: Sendable, Equatable, Codable {
        public var segmentTargetSeconds: Double = 2
        public var windowSegments: Int = 6
        public var retainedSegments: Int = 4
        public var defaultPlaylist: String = "low-latency"
        public var partTargetSeconds: Double = 0.2
        public var packagerIdleSeconds: Double = 60
    }

    /// How freed memory goes back to the system (glibc's allocator; see `ProcessHeap`).
    public struct Memory: Sendable, Equatable, Codable {
        /// Seconds between returns of freed heap pages to the system (malloc_trim); 0: never.
        public var trimIntervalSeconds: Double = 30
        /// Blocks of at least this many KiB get pages of their own (mmap), given back when freed;
        /// 0 keeps glibc's sliding threshold.
        public var mapBlocksFromKiB: Int = 128
    }

    /// The web console.
    public struct Console: Sendable, Equatable, Codable {
        /// A map tile server the console draws under its maps, as an XYZ template with {z}, {x} and
        /// {y} (for example a deployment's 天地图 or its own tile server on the closed network);
        /// empty: the console draws the registry's coordinates on a plain background, with no
        /// external service.
        public var mapTilesUrl: String = ""
    }

    /// Surveillance points pulled on demand over RTSP (issue 15).
    public struct Points: Sendable, Equatable, Codable {
        public var startTimeoutSeconds: Double = 15
        public var idleSeconds: Double = 30
        public var maxActivePulls: Int = 200
        public var maxPullsPerOrganisation: Int = 40
    }

    /// Recording, retention and playback (issue 13).
    public struct RecordingSettings: Sendable, Equatable, Codable {
        public var enabled: Bool = true
        /// Where files and their index go (may be another disk); empty: `<dataDirectory>/recordings`.
        public var directory: String = ""
        /// First match decides; a path no rule matches takes its kind's default.
        public var rules: [RecordingRuleSetting] = [
            RecordingRuleSetting(match: "cam/*", mode: "always"),
            RecordingRuleSetting(match: "room/*", mode: "session"),
            RecordingRuleSetting(match: "hall/*", mode: "session"),
            RecordingRuleSetting(match: "lab/*", mode: "never"),
        ]
        public var fileMinutes: Int = 10
        public var retentionDays: Int = 30
        public var incidentRetentionDays: Int = 180
        public var minFreeMiB: Int = 2048
        public var maxPlaybackMinutes: Int = 120
        public var maxExportMinutes: Int = 120
        public var exportRetentionHours: Int = 24
        public var queueMiB: Int = 64
        public var writerThreads: Int = 2
        public var retentionIntervalSeconds: Int = 600
    }

    public struct RecordingRuleSetting: Sendable, Equatable, Codable {
        public var match: String
        /// always, session or never.
        public var mode: String
        public init(match: String, mode: String) {
            self.match = match
            self.mode = mode
        }
    }

    public struct Paths: Sendable, Equatable, Codable {
        public var takeoverAfterMs: Int = 1000
        public var stallTimeoutSeconds: Double = 5
        public var reconnectGraceSeconds: Double = 30
        public var retentionSeconds: Double = 300
        public var backfillSeconds: Double = 30
    }

    public var logLevel: Logger.Level { Logger.Level(rawValue: log.level) ?? .info }
}

extension RelayConfiguration.HTTP {
    /// The limits the HTTP edge enforces, from these keys.
    public var edgeLimits: HTTPEdgeLimits {
        HTTPEdgeLimits(maxConnections: maxConnections, idleTimeout: .milliseconds(Int64(idleTimeoutSeconds * 1000)),
                       bodyTimeout: .milliseconds(Int64(bodyTimeoutSeconds * 1000)), maxHeaderBytes: maxHeaderBytes,
                       maxBodyBytes: maxBodyBytes)
    }
}
