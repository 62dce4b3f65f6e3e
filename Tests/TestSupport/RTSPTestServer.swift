import Foundation

/// A real RTSP server for the tests: GStreamer's gst-rtsp-server (`rtsp_server.py`, run with
/// Debian's `/usr/bin/python3`, which has `gi`) serving ffmpeg-made files on 127.0.0.1 at a port
/// chosen at run time, optionally behind Basic or Digest authentication. Never a stub: the RTSP
/// exchange, the SDP and the RTP payloads are GStreamer's.
public final class RTSPTestServer: Sendable {
    public struct Mount: Sendable {
        public var path: String
        public var file: URL
        /// "h264", "h265" or "none".
        public var video: String
        /// "aac" (RFC 3640), "latm" (RFC 6416), "pcma", "pcmu" or nil.
        public var audio: String?
        /// Parameter sets only in the SDP's sprop-parameter-sets, never in band.
        public var spropOnly: Bool
        /// One pipeline for all clients: a later client joins mid-stream, mid-GOP.
        public var shared: Bool

        public init(path: String, file: URL, video: String, audio: String? = nil, spropOnly: Bool = false, shared: Bool = false) {
            self.path = path
            self.file = file
            self.video = video
            self.audio = audio
            self.spropOnly = spropOnly
            self.shared = shared
        }

        var argument: String {
            var text = "path=\(path),file=\(file.path),video=\(video),audio=\(audio ?? "none")"
            if spropOnly { text += ",sprop-only" }
            if shared { text += ",shared" }
            return text
        }
    }

    public enum Authentication: String, Sendable {
        case basic, digest
    }

    public let port: Int
    private let process: Subprocess
    private let arguments: [String]

    public static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("rtsp_server.py")

    /// Starts the server and waits until it listens. `port` 0 picks a free one.
    public static func start(_ mounts: [Mount], port: Int = 0, authentication: (Authentication, user: String, password: String)? = nil,
                             loop: Bool = false) async throws -> RTSPTestServer {
        var arguments = [script.path]
        for mount in mounts { arguments += ["--mount", mount.argument] }
        if let authentication {
            arguments += ["--auth", authentication.0.rawValue, "--user", authentication.user, "--password", authentication.password]
        }
        if loop { arguments.append("--loop") }
        return try await launch(arguments, port: port)
    }

    private static func launch(_ arguments: [String], port: Int) async throws -> RTSPTestServer {
        let process = try Subprocess("/usr/bin/python3", arguments + ["--port", "\(port)"])
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if let line = process.standardOutput.split(separator: "\n").first(where: { $0.hasPrefix("LISTENING ") }),
               let bound = Int(line.dropFirst("LISTENING ".count)) {
                return RTSPTestServer(port: bound, process: process, arguments: arguments)
            }
            if !process.isRunning {
                throw TestFailure("the RTSP test server exited: \(process.standardError)"
                                  + " (needs gir1.2-gst-rtsp-server-1.0: scripts/install-deps.sh --test)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.killNow()
        throw TestFailure("the RTSP test server did not listen within 15 s: \(process.standardError)")
    }

    private init(port: Int, process: Subprocess, arguments: [String]) {
        self.port = port
        self.process = process
        self.arguments = arguments
    }

    /// `rtsp://127.0.0.1:<port><mount>`, with user information when given.
    public func url(_ mount: String, user: String? = nil, password: String? = nil) -> String {
        var authority = "127.0.0.1:\(port)"
        if let user { authority = "\(user):\(password ?? "")@" + authority }
        return "rtsp://\(authority)\(mount)"
    }

    public var isRunning: Bool { process.isRunning }

    /// What the server printed on standard error (GStreamer's warnings).
    public var standardError: String { process.standardError }

    /// SIGKILL: the camera drops mid-stream, no TEARDOWN, no RTCP BYE.
    public func kill() {
        process.killNow()
    }

    /// The same server again, on the same port (after `kill` or `stop`).
    public func restart() async throws -> RTSPTestServer {
        if process.isRunning {
            process.killNow()
            await process.wait(timeout: .seconds(5))
        }
        return try await Self.launch(arguments, port: port)
    }

    public func stop() async {
        process.terminate()
        await process.wait(timeout: .seconds(5))
    }
}
