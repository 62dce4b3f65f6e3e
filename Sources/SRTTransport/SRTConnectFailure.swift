import CSRT

/// Why a caller's connection failed or ended, from `srt_getrejectreason`: either a code the
/// listener chose (1000 and up; 1400-1409 are the access-control codes of `srt/access_control.h`,
/// see `SRTRejectCode`) or one of libsrt's own `SRT_REJ_*` reasons (below 1000).
public struct SRTConnectFailure: Sendable, Hashable, CustomStringConvertible {
    public var code: Int32
    public var message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// The reason libsrt recorded for `socket` (valid until the socket is closed).
    static func of(_ socket: SRTSOCKET) -> SRTConnectFailure {
        let code = srt_getrejectreason(socket)
        if code >= 1000 {
            return SRTConnectFailure(code: code, message: Self.accessControlText(code))
        }
        let text = srt_rejectreason_str(code).map { String(cString: $0) } ?? "unknown"
        return SRTConnectFailure(code: code, message: text)
    }

    /// The listener's refusal as an access-control code, if it was one.
    public var rejectCode: SRTRejectCode? { code >= 1000 ? SRTRejectCode(rawValue: code) : nil }

    /// True when the listener refused the caller (as opposed to a timeout, a bad key or a broken link).
    public var isRefusalByListener: Bool { code >= 1000 || code == Int32(SRT_REJ_PEER.rawValue) }

    private static func accessControlText(_ code: Int32) -> String {
        switch SRTRejectCode(rawValue: code) {
        case .malformed: return "malformed stream id"
        case .unauthorized: return "not authenticated"
        case .overloaded: return "over capacity"
        case .forbidden: return "forbidden"
        case .notFound: return "unknown path"
        case .unsupportedMode: return "unsupported mode"
        case .conflict: return "path already live"
        case .internalError: return "listener internal error"
        default: return code >= 2000 ? "application-defined reason" : "access-control reason"
        }
    }

    public var description: String { "\(code) \(message)" }
}
