/// Rejection reasons from `srt/access_control.h`, sent back to the caller in the handshake.
public struct SRTRejectCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let malformed = SRTRejectCode(rawValue: 1400)        // SRT_REJX_BAD_REQUEST
    public static let unauthorized = SRTRejectCode(rawValue: 1401)     // SRT_REJX_UNAUTHORIZED
    public static let overloaded = SRTRejectCode(rawValue: 1402)       // SRT_REJX_OVERLOAD
    public static let forbidden = SRTRejectCode(rawValue: 1403)        // SRT_REJX_FORBIDDEN
    public static let notFound = SRTRejectCode(rawValue: 1404)         // SRT_REJX_NOTFOUND
    public static let unsupportedMode = SRTRejectCode(rawValue: 1405)  // SRT_REJX_BAD_MODE
    public static let conflict = SRTRejectCode(rawValue: 1409)         // SRT_REJX_CONFLICT
    public static let internalError = SRTRejectCode(rawValue: 1500)    // SRT_REJX_ISE

    public var description: String { String(rawValue) }
}
