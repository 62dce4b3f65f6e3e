import CFFmpeg

/// The one error type of MediaRemux.
public struct MediaError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        /// The input is not a usable MPEG transport stream.
        case notTransportStream
        /// The input is not a readable MP4 (a recording's init section and fragments, for `MP4Remux`).
        case notMP4
        /// No codec FieldRelay can remux (it never transcodes).
        case unsupportedCodec
        /// libavformat or libavcodec refused (the message carries its reason).
        case library
        case outOfMemory
        /// A camera (an RTSP server) refused the credentials, or has none (RTSP 401/403).
        case authenticationFailed
        /// Nothing accepts connections at the camera's address and port.
        case connectionRefused
        /// The camera did not answer, or sent nothing, within the time allowed.
        case timedOut
        /// The camera offers no video FieldRelay can carry (H.264 or H.265), or no keyframe it can start from.
        case noVideo
        /// The camera has no stream at that URL (RTSP 404).
        case notFound
        /// The connection failed or broke (unreachable, reset, closed by the camera).
        case connectionLost
        /// The source was stopped on request.
        case stopped
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Wraps an AVERROR code with the call that returned it.
    static func av(_ result: Int32, _ call: String) -> MediaError {
        var buffer = [CChar](repeating: 0, count: 256)
        av_strerror(result, &buffer, buffer.count)
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return MediaError(.library, "\(call): \(text) (\(result))")
    }

    public var description: String { "\(code): \(message)" }
}
