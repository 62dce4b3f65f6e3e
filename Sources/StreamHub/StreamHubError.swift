/// The one error type of StreamHub.
public struct StreamHubError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: Sendable, Equatable {
        /// Not a path name at all (syntax): `..`, empty parts, odd characters.
        case malformedPath
        /// A well-formed name of a kind or source that does not exist.
        case unknownPath
        /// The path already has a live publisher.
        case pathBusy
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
