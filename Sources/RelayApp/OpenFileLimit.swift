#if canImport(Glibc)
import Glibc
#endif
import Logging

/// Every SRT connection costs libsrt file descriptors (and HTTP clients one each): raise the soft
/// open-file limit to the hard one at start, and say so when the system caps it below what the
/// configured capacity needs.
enum OpenFileLimit {
    @discardableResult
    static func raise(srtConnections: Int, httpConnections: Int, logger: Logger) -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            logger.warning("cannot read the open-file limit")
            return 0
        }
        let before = limit.rlim_cur
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) != 0 {
                limit.rlim_cur = before
            }
        }
        // One descriptor per SRT connection in libsrt's bookkeeping is not the whole story (the
        // shared UDP socket serves all), but HTTP viewers, the database and logs need theirs.
        let needed = rlim_t(srtConnections) * 2 + rlim_t(httpConnections) + 256
        let current = Int(limit.rlim_cur)
        if limit.rlim_cur < needed {
            logger.warning("the open-file limit is below what the configured capacity needs; raise the hard limit (ulimit -Hn, LimitNOFILE=)",
                           metadata: ["limit": "\(current)", "needed": "\(needed)", "srt.maxConnections": "\(srtConnections)",
                                     "http.maxConnections": "\(httpConnections)"])
        } else if limit.rlim_cur != before {
            logger.info("open-file limit raised", metadata: ["from": "\(before)", "to": "\(current)"])
        }
        return current
    }
}
