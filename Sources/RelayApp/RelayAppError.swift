/// The one error type of RelayApp: start-up and configuration problems, each naming what to fix.
public struct RelayAppError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        /// A configuration file or value is wrong; the message names the key.
        case configuration
        /// A resource could not be had at start (port, data directory).
        case startup
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
