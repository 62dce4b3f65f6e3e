/// A refusal or failure of recording, with a stable code the API maps to HTTP and the error body.
public struct RecordingError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        case invalidConfiguration = "invalid_configuration"
        /// A request field is missing, malformed or out of range (400, naming the field).
        case invalidRequest = "invalid_request"
        case notFound = "not_found"
        case forbidden = "forbidden"
        /// The recording directory is unusable (missing, read-only, full).
        case unavailable = "recording_unavailable"
        /// Stored bytes do not match their index or ledger.
        case integrity = "integrity"
        case storage = "storage"
        case conflict = "conflict"
    }

    public var code: Code
    public var message: String
    /// The request field at fault, when there is one.
    public var field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { message }
}
