import Foundation
import HLSPackager
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MediaTypes
import StreamHub
import Testing
@testable import RelayAPI

@Suite("HTTP routes: HLS delivery, errors, CORS, metrics")
struct RelayRouterTests {
    static func makePaths() -> PathManager {
        PathManager(configuration: .init(), logger: Logger(label: "test")) { _ in [] }
    }

    static let packagers = HLSPackagers(classic: HLSConfiguration(segmentTargetSeconds: 1),
                                        lowLatency: LowLatencyConfiguration(segmentTargetSeconds: 1),
                                        idleTimeout: .seconds(60), logger: Logger(label: "test"))

    /// Publishes 3.1 s of synthetic H.264 (keyframe every second) on `name`.
    static func publish(_ paths: PathManager, _ name: String, track: Track = Track(index: 0, codec: .h264, pid: 256)) throws {
        let session = try paths.attachPublisher(try PathName(name), identity: PublisherIdentity(source: name, connection: "test") { _ in })
        session.publish(tracks: [track])
        for frame in 0..<78 {
            let key = frame % 25 == 0
            session.publish(AccessUnit(track: 0, pts: Int64(frame) * 3600, dts: Int64(frame) * 3600, duration: 3600, isKeyframe: key,
                                       data: [0, 0, 0, 1, key ? 0x65 : 0x41, 0x88, 0x84], arrival: MonotonicClock.now()))
        }
    }

    static func app(_ paths: PathManager, origins: [String] = ["*"], lowLatency: Bool = false) async throws -> some ApplicationProtocol {
        let router = RelayRouter.build(paths: paths, packagers: packagers, reporting: try await TestReporting.context(adminToken: nil),
                                       configuration: .init(corsAllowedOrigins: origins, firstSegmentWait: .milliseconds(200),
                                                            defaultLowLatency: lowLatency)) {
            let metrics = MetricsFixture()
            metrics.registry.counter("fieldrelay_test_total", help: "A test counter.", labels: [("code", "1400")]).increment(by: 3)
            return metrics.render()
        }
        return Application(router: router)
    }

    @Test("a live path's playlist and segments, with content types and cache headers")
    func playlistAndSegment() async throws {
        let paths = Self.makePaths()
        try Self.publish(paths, "lab/cam1")
        try await (try await Self.app(paths)).test(.router) { client in
            let playlistText = try await client.execute(uri: "/hls/lab/cam1/index.m3u8", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/vnd.apple.mpegurl")
                #expect(response.headers[.cacheControl] == "max-age=1")
                return String(buffer: response.body)
            }
            #expect(playlistText.hasPrefix("#EXTM3U\n"))
            let uri = try #require(playlistText.split(separator: "\n").first { $0.hasSuffix(".ts") })
            try await client.execute(uri: "/hls/lab/cam1/ts.m3u8", method: .get) { response in
                #expect(String(buffer: response.body) == playlistText, "ts.m3u8 is the same classic playlist")
            }
            try await client.execute(uri: "/hls/lab/cam1/\(uri)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "video/mp2t")
                #expect(response.headers[.cacheControl]?.contains("immutable") == true)
                #expect(response.body.readableBytes > 0 && response.body.readableBytes % 188 == 0)
            }
        }
    }

    @Test("?token= is carried on to every URI the playlist lists")
    func tokenPropagation() async throws {
        let paths = Self.makePaths()
        try Self.publish(paths, "lab/cam1")
        try await (try await Self.app(paths)).test(.router) { client in
            try await client.execute(uri: "/hls/lab/cam1/index.m3u8?token=abc%2B1", method: .get) { response in
                let uris = String(buffer: response.body).split(separator: "\n").filter { !$0.hasPrefix("#") }
                #expect(!uris.isEmpty)
                #expect(uris.allSatisfy { $0.hasSuffix(".ts?token=abc%2B1") })
            }
        }
    }

    /// SPS and PPS of x264's ultrafast preset at 320x240 (Constrained Baseline, level 1.3), as
    /// the intake collects them from a keyframe: Annex B, emulation prevention bytes included.
    static let x264ParameterSets: [UInt8] = [
        0, 0, 0, 1, 0x67, 0x42, 0xC0, 0x0D, 0xDA, 0x05, 0x07, 0xEC, 0x04, 0x40, 0x00, 0x00, 0x03, 0x00, 0x40, 0x00, 0x00, 0x0C, 0x83, 0xC5,
        0x0A, 0xA8, 0, 0, 0, 1, 0x68, 0xCE, 0x0F, 0xC8,
    ]

    @Test("multivariant.m3u8 names index.m3u8 with CODECS from the SPS, the measured rates and the caller's token; HEAD too; 503 before a segment")
    func multivariant() async throws {
        let paths = Self.makePaths()
        try Self.publish(paths, "lab/cam1", track: Track(index: 0, codec: .h264, pid: 256, width: 320, height: 240, extradata: Self.x264ParameterSets))
        _ = try paths.attachPublisher(try PathName("lab/early"), identity: PublisherIdentity(source: "lab/early", connection: "t") { _ in })
        try await Self.app(paths).test(.router) { client in
            let (text, length) = try await client.execute(uri: "/hls/lab/cam1/multivariant.m3u8?token=abc%2B1", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/vnd.apple.mpegurl")
                return (String(buffer: response.body), response.headers[.contentLength])
            }
            // The classic default here: three 1 s segments of 25 frames; BANDWIDTH is the largest
            // (each lasts one target duration, and two together are too long for one set).
            let media = try await client.execute(uri: "/hls/lab/cam1/ts.m3u8", method: .get) { String(buffer: $0.body) }
            var sizes: [Int] = []
            for uri in media.split(separator: "\n") where uri.hasSuffix(".ts") {
                sizes.append(try await client.execute(uri: "/hls/lab/cam1/\(uri)", method: .get) { $0.body.readableBytes })
            }
            #expect(sizes.count == 3)
            let peak = (sizes.max() ?? 0) * 8
            let average = Int((Double(sizes.reduce(0, +) * 8) / 3).rounded(.up))
            #expect(text == """
                #EXTM3U
                #EXT-X-VERSION:3
                #EXT-X-INDEPENDENT-SEGMENTS
                #EXT-X-STREAM-INF:BANDWIDTH=\(peak),AVERAGE-BANDWIDTH=\(average),CODECS="avc1.42c00d",RESOLUTION=320x240,FRAME-RATE=25.000
                index.m3u8?token=abc%2B1

                """)
            try await client.execute(uri: "/hls/lab/cam1/multivariant.m3u8?token=abc%2B1", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentLength] == length)
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/hls/lab/cam1/multivariant.m3u8", method: .get) { response in
                #expect(String(buffer: response.body).hasSuffix("\nindex.m3u8\n"), "no token asked, none given")
            }
            try await client.execute(uri: "/hls/lab/early/multivariant.m3u8", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
            }
            try await client.execute(uri: "/hls/lab/nobody/multivariant.m3u8", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("unknown paths 404, malformed ones 400, never a file from disk", arguments: [
        ("/hls/lab/nobody/index.m3u8", HTTPResponse.Status.notFound),
        ("/hls/lab/cam1/nothing.ts", .notFound),
        ("/hls/lab/cam1/index.m3u9", .notFound),
        ("/hls/video/cam1/index.m3u8", .notFound),
        ("/hls/lab/../../etc/passwd", .badRequest),
        ("/hls/lab/%2e%2e/index.m3u8", .badRequest),
        ("/hls/lab/.secret/index.m3u8", .badRequest),
        ("/hls/index.m3u8", .notFound),
    ])
    func errors(uri: String, status: HTTPResponse.Status) async throws {
        let paths = Self.makePaths()
        try Self.publish(paths, "lab/cam1")
        try await (try await Self.app(paths)).test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == status, "\(uri)")
                if response.status != .ok {
                    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                    #expect(String(buffer: response.body).contains("\"message\""))
                }
            }
        }
    }

    @Test("HEAD mirrors GET on playlists and segments: GET's status and headers, Content-Length included, no body (it was 404)")
    func headMirrorsGet() async throws {
        let paths = Self.makePaths()
        try Self.publish(paths, "lab/head")
        try await (try await Self.app(paths)).test(.router) { client in
            for file in ["ts.m3u8", "index.m3u8"] {
                let (length, body) = try await client.execute(uri: "/hls/lab/head/\(file)", method: .get) { response in
                    (response.headers[.contentLength], response.body)
                }
                try await client.execute(uri: "/hls/lab/head/\(file)", method: .head) { response in
                    #expect(response.status == .ok, "HEAD \(file)")
                    #expect(response.headers[.contentType] == "application/vnd.apple.mpegurl")
                    #expect(response.headers[.contentLength] == length && length == "\(body.readableBytes)")
                    #expect(response.body.readableBytes == 0)
                }
            }
            let classic = try await client.execute(uri: "/hls/lab/head/ts.m3u8", method: .get) { String(buffer: $0.body) }
            let segment = try #require(classic.split(separator: "\n").first { $0.hasSuffix(".ts") })
            try await client.execute(uri: "/hls/lab/head/\(segment)", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "video/mp2t")
                #expect(Int(response.headers[.contentLength] ?? "") ?? 0 > 0)
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/hls/lab/nothing/ts.m3u8", method: .head) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("the token is resolved once by the middleware: a forged one changes nothing on open routes and is refused where a caller is needed")
    func authenticationMiddleware() async throws {
        let paths = Self.makePaths()
        try Self.publish(paths, "lab/open")
        try Self.publish(paths, "room/520602001201")
        try await (try await Self.app(paths)).test(.router) { client in
            let forged: HTTPFields = [.authorization: "Bearer fro_forgedforgedforgedforgedforgedforgedforg"]
            for uri in ["/hls/lab/open/ts.m3u8", "/metrics", "/healthz"] {
                try await client.execute(uri: uri, method: .get, headers: forged) { #expect($0.status == .ok, "\(uri)") }
            }
            try await client.execute(uri: "/hls/room/520602001201/ts.m3u8", method: .get, headers: forged) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/hls/room/520602001201/ts.m3u8", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/v1/sessions", method: .get, headers: forged) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/me", method: .get) { #expect($0.status == .unauthorized) }
        }
    }

    @Test("a live path without a finished segment answers 503 with Retry-After after the wait")
    func noSegmentYet() async throws {
        let paths = Self.makePaths()
        _ = try paths.attachPublisher(try PathName("lab/early"), identity: PublisherIdentity(source: "lab/early", connection: "t") { _ in })
        try await (try await Self.app(paths)).test(.router) { client in
            try await client.execute(uri: "/hls/lab/early/index.m3u8", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
            }
        }
    }

    @Test("CORS: configured origins are allowed, others are not; preflight answered")
    func cors() async throws {
        let paths = Self.makePaths()
        try Self.publish(paths, "lab/cam1")
        try await (try await Self.app(paths, origins: ["https://hall.example"])).test(.router) { client in
            try await client.execute(uri: "/hls/lab/cam1/index.m3u8", method: .get, headers: [.origin: "https://hall.example"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == "https://hall.example")
            }
            try await client.execute(uri: "/hls/lab/cam1/index.m3u8", method: .get, headers: [.origin: "https://evil.example"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
            try await client.execute(uri: "/hls/lab/cam1/index.m3u8", method: .options,
                                     headers: [.origin: "https://hall.example", .accessControlRequestMethod: "GET"]) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowMethods]?.contains("GET") == true)
            }
        }
        try await (try await Self.app(paths)).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get, headers: [.origin: "https://any.example"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == "*")
            }
        }
    }

    @Test("/metrics is Prometheus text")
    func metrics() async throws {
        try await (try await Self.app(Self.makePaths())).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                #expect(String(buffer: response.body) == """
                # HELP fieldrelay_test_total A test counter.
                # TYPE fieldrelay_test_total counter
                fieldrelay_test_total{code="1400"} 3

                """)
            }
        }
    }

    @Test("the path list and the status page")
    func pathListAndPage() async throws {
        let paths = Self.makePaths()
        try Self.publish(paths, "lab/cam1")
        try await (try await Self.app(paths)).test(.router) { client in
            try await client.execute(uri: "/api/v1/paths", method: .get) { response in
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let list = try #require(json?["paths"] as? [[String: Any]])
                #expect(list.first?["path"] as? String == "lab/cam1")
                #expect(list.first?["status"] as? String == "online")
                #expect(list.first?["hlsUrl"] as? String == "/hls/lab/cam1/index.m3u8")
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(String(buffer: response.body).contains("<video"))
            }
        }
    }

    @Test("a URL no route serves is the API's error body with a code, not the framework's empty 404")
    func unroutedIsJSONError() async throws {
        try await (try await Self.app(Self.makePaths())).test(.router) { client in
            for uri in ["/nothing-here", "/api/v1/no-such-thing", "/api/v1/sessions/ses-1/feeds"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(response.headers[.contentType] == "application/json; charset=utf-8", "\(uri)")
                    let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                    #expect(json?["error"] as? Int == 404, "\(uri)")
                    #expect(json?["code"] as? String == "not_found", "\(uri)")
                    #expect((json?["message"] as? String)?.contains("no route serves GET") == true, "\(uri)")
                }
            }
        }
    }
}
