import Foundation
import Logging
import RelayApp

/// A FieldRelay built with `RelayApplication.build` (as `fieldrelay serve` does) on loopback ports
/// chosen at run time, running until `stop()`.
public final class RunningGateway: Sendable {
    public let application: RelayApplication
    public let httpPort: Int
    public let dataDirectory: String
    private let task: Task<Void, Error>

    /// `logger`: where every part logs (a `LogCapture`'s, say); by default swift-log's global
    /// system at `FIELDRELAY_TEST_LOG`'s level.
    public static func start(dataDirectory: String? = nil, logger: Logger? = nil,
                             _ configure: (inout RelayConfiguration) -> Void = { _ in }) async throws -> RunningGateway {
        var configuration = RelayConfiguration()
        configuration.srt.host = "127.0.0.1"
        configuration.srt.port = 0
        configuration.http.host = "127.0.0.1"
        configuration.http.port = 0
        configuration.srt.openIngest = true
        configuration.srt.latencyMs = 200
        configuration.hls.segmentTargetSeconds = 1
        configuration.log.level = ProcessInfo.processInfo.environment["FIELDRELAY_TEST_LOG"] ?? "warning"
        let data = dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("fieldrelay-data-\(UUID().uuidString)").path
        configuration.dataDirectory = data
        configure(&configuration)
        let application = try await RelayApplication.build(configuration, logger: logger)
        let task = Task { try await application.run(handleSignals: false) }
        let deadline = ContinuousClock.now + .seconds(20)
        while application.httpPort == nil {
            guard ContinuousClock.now < deadline else {
                task.cancel()
                throw TestFailure("HTTP server did not start")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return RunningGateway(application: application, httpPort: application.httpPort ?? 0, dataDirectory: data, task: task)
    }

    init(application: RelayApplication, httpPort: Int, dataDirectory: String, task: Task<Void, Error>) {
        self.application = application
        self.httpPort = httpPort
        self.dataDirectory = dataDirectory
        self.task = task
    }

    public var srtPort: Int { application.srtPort }
    public var baseURL: String { "http://127.0.0.1:\(httpPort)" }

    public func srtURL(streamID: String) -> String {
        "srt://127.0.0.1:\(srtPort)?streamid=\(streamID)&latency=200000"
    }

    public func stop(keepData: Bool = false) async {
        await application.shutdown()
        _ = try? await task.value
        try? application.registry.close()
        if !keepData { try? FileManager.default.removeItem(atPath: dataDirectory) }
    }

    /// The SRT URL an installer would use for a registered source, from the registry's provisioning.
    public func provisionedURL(_ path: String, passphrase override: String? = nil) async throws -> String {
        let provisioning = try await application.registry.provisioning(path: path)
        let encoded = provisioning.streamId.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? provisioning.streamId
        return "srt://127.0.0.1:\(srtPort)?streamid=\(encoded)&passphrase=\(override ?? provisioning.passphrase)&pbkeylen=16&latency=200000"
    }

    /// Starts the real ffmpeg publishing `clip` to a full SRT URL.
    public func publish(_ clip: URL, url: String, loop: Bool = false) throws -> Subprocess {
        var arguments = ["-hide_banner", "-loglevel", "error", "-re"]
        if loop { arguments += ["-stream_loop", "-1"] }
        arguments += ["-i", clip.path, "-c", "copy", "-f", "mpegts", url]
        return try Subprocess("ffmpeg", arguments)
    }

    public var adminToken: String { application.adminToken }

    /// Starts the real ffmpeg publishing `clip` in real time (`-re`) to `streamID`.
    public func publish(_ clip: URL, streamID: String, loop: Bool = false, extra: [String] = []) throws -> Subprocess {
        var arguments = ["-hide_banner", "-loglevel", "error", "-re"]
        if loop { arguments += ["-stream_loop", "-1"] }
        arguments += ["-i", clip.path, "-c", "copy"] + extra + ["-f", "mpegts", srtURL(streamID: streamID)]
        return try Subprocess("ffmpeg", arguments)
    }

    /// Fetches a playlist until `condition` holds or `timeout` passes.
    public func waitForPlaylist(_ path: String, file: String = "ts.m3u8", token: String? = nil, timeout: Duration = .seconds(30),
                                until condition: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        let query = token.map { "?token=\($0)" } ?? ""
        while ContinuousClock.now < deadline {
            if let reply = try? await HTTPClient.get("\(baseURL)/hls/\(path)/\(file)\(query)"), reply.status == 200 {
                last = reply.text
                if condition(last) { return last }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure("playlist of \(path) never satisfied the condition; last:\n\(last)")
    }

    public func metrics() async throws -> String {
        try await HTTPClient.get("\(baseURL)/metrics").text
    }

    /// The value of one sample line of /metrics (name with labels exactly as rendered).
    public func metric(_ sample: String) async throws -> Double? {
        let text = try await metrics()
        for line in text.split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1))
        }
        return nil
    }
}
