import Foundation

/// Test clips made with the real ffmpeg (`-f lavfi`), cached per test process.
public enum Clips {
    public enum Video: String, Sendable { case h264, hevc, none }

    public struct Spec: Hashable, Sendable {
        public var video: Video
        public var audio: Bool
        public var seconds: Int
        /// Keyframe interval in seconds.
        public var keyframeSeconds: Int
        public var size: String
        /// The encoder's preset. x264 picks the profile from the tools a preset uses: ultrafast
        /// (no CABAC, no B-frames, no 8x8 transform) makes Constrained Baseline, veryfast makes High
        /// with B-frames (`-profile:v` only caps it). x265 makes Main with either.
        public var preset: String

        public init(video: Video = .h264, audio: Bool = true, seconds: Int = 12, keyframeSeconds: Int = 1, size: String = "320x240",
                    preset: String = "ultrafast") {
            self.video = video
            self.audio = audio
            self.seconds = seconds
            self.keyframeSeconds = keyframeSeconds
            self.size = size
            self.preset = preset
        }

        var fileName: String {
            let encoding = preset == "ultrafast" ? "" : "-\(preset)"
            return "clip-\(video.rawValue)\(encoding)-\(audio ? "aac" : "mute")-\(seconds)s-gop\(keyframeSeconds)-\(size).ts"
        }
    }

    public static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fieldrelay-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    private static let cache = ClipCache()

    public static func make(_ spec: Spec = Spec()) async throws -> URL {
        try await cache.clip(spec)
    }

    static func generate(_ spec: Spec) async throws -> URL {
        let url = directory.appendingPathComponent(spec.fileName)
        let rate = 25
        var arguments = ["-hide_banner", "-loglevel", "error", "-y"]
        if spec.video != .none {
            arguments += ["-f", "lavfi", "-i", "testsrc2=size=\(spec.size):rate=\(rate)"]
        }
        if spec.audio {
            arguments += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
        }
        arguments += ["-t", "\(spec.seconds)"]
        switch spec.video {
        case .h264:
            arguments += ["-c:v", "libx264", "-preset", spec.preset, "-g", "\(rate * spec.keyframeSeconds)",
                          "-keyint_min", "\(rate * spec.keyframeSeconds)", "-sc_threshold", "0", "-pix_fmt", "yuv420p"]
        case .hevc:
            arguments += ["-c:v", "libx265", "-preset", spec.preset, "-pix_fmt", "yuv420p",
                          "-x265-params", "keyint=\(rate * spec.keyframeSeconds):min-keyint=\(rate * spec.keyframeSeconds):scenecut=0:log-level=error"]
        case .none:
            break
        }
        if spec.audio {
            arguments += ["-c:a", "aac", "-b:a", "64k"]
        }
        arguments += ["-f", "mpegts", url.path]
        let (status, _, errors) = try await Subprocess.run("ffmpeg", arguments)
        guard status == 0 else { throw TestFailure("ffmpeg could not make \(spec.fileName): \(errors)") }
        return url
    }
}

actor ClipCache {
    private var made: [Clips.Spec: Task<URL, Error>] = [:]

    func clip(_ spec: Clips.Spec) async throws -> URL {
        if let task = made[spec] { return try await task.value }
        let task = Task { try await Clips.generate(spec) }
        made[spec] = task
        return try await task.value
    }
}
