import CFFmpeg
import Logging
import Synchronization

/// Bridges libavformat/libavcodec's log (a process-wide callback) into swift-log, with credentials
/// masked (`LogRedaction`).
public enum FFmpegLog {
    private static let target = Mutex<Logger?>(nil)

    /// How much of libavformat's own log is bridged.
    public enum Verbosity: Int32, Sendable {
        /// Warnings and errors (AV_LOG_WARNING), the default.
        case warnings = 24
        /// Everything (AV_LOG_TRACE): for diagnosis, and for the tests that check no credential
        /// leaks even from the RTSP requests libavformat prints at that level.
        case everything = 56
    }

    /// Sets libavformat's log level for the whole process (the bridge sets `warnings`).
    public static func setVerbosity(_ verbosity: Verbosity) {
        av_log_set_level(verbosity.rawValue)
    }

    public static func bridge(to logger: Logger) {
        target.withLock { $0 = logger }
        // AV_LOG_WARNING = 24: the muxers' warnings matter (non-monotonic timestamps and the like).
        av_log_set_level(24)
        av_log_set_callback { context, level, format, arguments in
            guard level <= av_log_get_level(), let format, let arguments else { return }
            var line = [CChar](repeating: 0, count: 1024)
            var printPrefix: Int32 = 1
            av_log_format_line2(context, level, format, arguments, &line, Int32(line.count), &printPrefix)
            var text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            while text.last == "\n" { text.removeLast() }
            // Credentials never reach the log, whatever libavformat prints (see LogRedaction).
            text = LogRedaction.redactRegistered(text)
            guard !text.isEmpty, let logger = FFmpegLog.target.withLock({ $0 }) else { return }
            if level <= 16 {
                logger.error("\(text)", metadata: ["source": "ffmpeg"])
            } else {
                logger.warning("\(text)", metadata: ["source": "ffmpeg"])
            }
        }
    }
}
