import HTTPTypes
import Logging
import RoomRegistry

extension RegistryError {
    /// Where the rejected input came from: the same `.invalid` is the client's URL (400) or the
    /// content it sent (422, which says "well-formed request, unusable content").
    enum InputOrigin: Sendable {
        case query
        case content
    }

    /// The HTTP form of a registry error. The registry's own message is shown for the codes that
    /// describe the caller's input or the registry's data; storage-level failures get a fixed
    /// message, because theirs carry the engine's wording (SQL, file paths) that must not leak to
    /// clients. The detail goes to the log instead.
    func apiError(invalidInput origin: InputOrigin, logger: Logger) -> APIError {
        switch code {
        case .notFound:
            return APIError(.notFound, message)
        case .duplicate, .conflict:
            return APIError(.conflict, message)
        case .invalid:
            return APIError(origin == .query ? .badRequest : .unprocessableContent, description)
        case .readOnly:
            logger.error("registry is read-only", metadata: ["error": "\(description)"])
            return APIError(.serviceUnavailable, "the registry cannot be written at the moment (read-only storage)")
        case .busy:
            logger.warning("registry is busy", metadata: ["error": "\(description)"])
            // The lock is normally held for a moment (another process's write): a retry soon works.
            return APIError(.serviceUnavailable, "the registry is busy with another writer; try again",
                            headers: [.retryAfter: "1"])
        case .storage:
            logger.error("registry storage failed", metadata: ["error": "\(description)"])
            return APIError(.internalServerError, "the registry could not complete the request; the server log has the detail")
        case .cancelled:
            logger.notice("registry request cancelled", metadata: ["error": "\(description)"])
            return APIError(.internalServerError, "the request was cancelled before the registry finished it")
        }
    }
}
