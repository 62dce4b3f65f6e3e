/// The one error type of the JointReporting module.
///
/// Every refusal carries a domain `code` (which the HTTP layer maps to a status; this module never
/// speaks of status codes or storage engines) and a `message` written for the person at the
/// console, saying *why* the action was refused.
public struct ReportingError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// The thing does not exist, or the acting organisation may not know that it exists
        /// (another county's session is reported as not found, never as forbidden, so that its
        /// existence does not leak).
        case notFound = "not_found"
        /// The organisation can see the thing but may not do this to it.
        case forbidden
        /// The action is well formed and permitted in principle, but the current state does not
        /// allow it (session closed, feed already attached, grade not higher, ...).
        case conflict
        /// The input is malformed (bad path, empty note, over-long text, ...).
        case invalid
        /// The record could not be written, so nothing was applied.
        case unavailable
    }

    public var code: Code
    public var message: String
    /// What the storage layer threw when `code == .unavailable`; never shown to callers because it
    /// may describe storage internals.
    public var underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { "\(code.rawValue): \(message)" }

    static func notFound(_ message: String) -> ReportingError { .init(.notFound, message) }
    static func forbidden(_ message: String) -> ReportingError { .init(.forbidden, message) }
    static func conflict(_ message: String) -> ReportingError { .init(.conflict, message) }
    static func invalid(_ message: String) -> ReportingError { .init(.invalid, message) }
}
