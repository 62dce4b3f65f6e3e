/// The one error type of SRTTransport: a code and a message an operator can act on.
public struct SRTError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        case startup
        case bind
        case listen
        case option
        case epoll
        case closed
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "SRT \(code): \(message)" }
}
