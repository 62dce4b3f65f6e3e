import Foundation

/// Files for the RTSP test server, made with the real ffmpeg (`-f lavfi`) in Matroska (or MP4),
/// cached per test process: what a camera's encoder would produce, served by GStreamer.
public enum RTSPClips {
    public enum Video: String, Sendable { case h264, hevc, none }
    public enum Audio: String, Sendable { case aac, pcma, none }

    public struct Spec: Hashable, Sendable {
        public var video: Video
        public var audio: Audio
        public var seconds: Int
        /// Keyframe interval in seconds (forced: a long GOP on purpose).
        public var keyframeSeconds: Int
        /// x264/x265 preset: "veryfast" gives H.264 High with B-frames (pictures reordered, so
        /// decode times differ from presentation times), "ultrafast" Constrained Baseline.
        public var preset: String
        /// "mkv" or "mp4".
        public var container: String

        public init(video: Video = .h264, audio: Audio = .aac, seconds: Int = 40, keyframeSeconds: Int = 1, preset: String = "veryfast",
                    container: String = "mkv") {
            self.video = video
            self.audio = audio
            self.seconds = seconds
            self.keyframeSeconds = keyframeSeconds
            self.preset = preset
            self.container = container
        }

        var fileName: String {
            "rtsp-\(video.rawValue)-\(preset)-\(audio.rawValue)-\(seconds)s-gop\(keyframeSeconds).\(container)"
        }
    }

    private static let cache = RTSPClipCache()

    public static func make(_ spec: Spec = Spec()) async throws -> URL {
        try await cache.clip(spec)
    }

    static func generate(_ spec: Spec) async throws -> URL {
        let url = Clips.directory.appendingPathComponent(spec.fileName)
        let rate = 25
        let gop = rate * spec.keyframeSeconds
        var arguments = ["-hide_banner", "-loglevel", "error", "-y"]
        if spec.video != .none { arguments += ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=\(rate)"] }
        switch spec.audio {
        case .aac: arguments += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
        case .pcma: arguments += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000"]
        case .none: break
        }
        arguments += ["-t", "\(spec.seconds)"]
        switch spec.video {
        case .h264:
            arguments += ["-c:v", "libx264", "-preset", spec.preset, "-g", "\(gop)", "-keyint_min", "\(gop)", "-sc_threshold", "0",
                          "-pix_fmt", "yuv420p"]
        case .hevc:
            arguments += ["-c:v", "libx265", "-preset", spec.preset, "-pix_fmt", "yuv420p",
                          "-x265-params", "keyint=\(gop):min-keyint=\(gop):scenecut=0:log-level=error"]
        case .none:
            break
        }
        switch spec.audio {
        case .aac: arguments += ["-c:a", "aac", "-b:a", "64k"]
        case .pcma: arguments += ["-c:a", "pcm_alaw", "-ac", "1"]
        case .none: break
        }
        arguments.append(url.path)
        let (status, _, errors) = try await Subprocess.run("ffmpeg", arguments)
        guard status == 0 else { throw TestFailure("ffmpeg could not make \(spec.fileName): \(errors)") }
        return url
    }
}

actor RTSPClipCache {
    private var made: [RTSPClips.Spec: Task<URL, Error>] = [:]

    func clip(_ spec: RTSPClips.Spec) async throws -> URL {
        if let task = made[spec] { return try await task.value }
        let task = Task { try await RTSPClips.generate(spec) }
        made[spec] = task
        return try await task.value
    }
}
