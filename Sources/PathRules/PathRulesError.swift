/// The one error type of PathRules: why a text is not a path or an identifier.
public struct PathRulesError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: Sendable, Equatable {
        /// Not a path or identifier at all (syntax): `..`, empty parts, odd characters, wrong length.
        case malformed
        /// Well formed, but of a kind the gateway does not have (`tv/x`).
        case unknownKind
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
