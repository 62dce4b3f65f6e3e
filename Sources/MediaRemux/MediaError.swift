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
