import CSRT
import Logging
import Synchronization

/// libsrt's process-wide start-up and its log, bridged into swift-log.
enum SRTLibrary {
    private static let users = Mutex<Int>(0)
    private static let logBox = Mutex<Unmanaged<LoggerBox>?>(nil)

    final class LoggerBox: Sendable {
        let logger: Logger
        /// A flood of wrong keys makes libsrt log one error per handshake: a few per area and window.
        let throttle = RefusalLog<String>()
        init(_ logger: Logger) { self.logger = logger }
    }

    static func retain(logger: Logger) {
        users.withLock { count in
            if count == 0 {
                srt_startup()
                var srtLogger = logger
                srtLogger[metadataKey: "source"] = "libsrt"
                let box = Unmanaged.passRetained(LoggerBox(srtLogger))
                logBox.withLock { $0 = box }
                // syslog levels: 3 = error. libsrt's warnings are mostly per-packet noise on lossy links.
                srt_setloglevel(3)
                srt_setlogflags(SRT_LOGF_DISABLE_TIME | SRT_LOGF_DISABLE_THREADNAME | SRT_LOGF_DISABLE_EOL)
                srt_setloghandler(box.toOpaque()) { opaque, level, _, _, area, message in
                    guard let opaque, let message else { return }
                    let box = Unmanaged<LoggerBox>.fromOpaque(opaque).takeUnretainedValue()
                    let area = area.map { String(cString: $0) } ?? "srt"
                    guard case .log(let unlogged) = box.throttle.decide(area) else { return }
                    var metadata: Logger.Metadata = ["area": "\(area)", "level": "\(level)"]
                    if unlogged > 0 { metadata["unloggedBefore"] = "\(unlogged)" }
                    box.logger.warning("\(String(cString: message))", metadata: metadata)
                }
            }
            count += 1
        }
    }

    static func release() {
        users.withLock { count in
            count -= 1
            if count == 0 {
                srt_cleanup()
            }
        }
    }
}
