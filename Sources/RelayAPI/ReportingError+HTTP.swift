import HTTPTypes
import JointReporting

extension ReportingError {
    /// The HTTP status for a domain refusal. Mapping lives here, in RelayAPI, only.
    var httpStatus: HTTPResponse.Status {
        switch code {
        case .notFound: .notFound
        case .forbidden: .forbidden
        case .conflict: .conflict
        case .invalid: .unprocessableContent
        case .unavailable: .serviceUnavailable
        }
    }

    var apiError: APIError {
        // `unavailable` carries a storage failure underneath; its message is already written for
        // callers and the underlying error (which may describe storage internals) is not shown.
        APIError(httpStatus, message, code: apiCode)
    }

    /// The machine-readable code of the error body: the finer reason where there is one.
    var apiCode: String {
        if let reason { return reason.rawValue }
        switch code {
        case .notFound: return "not_found"
        case .forbidden: return "forbidden"
        case .conflict: return "conflict"
        case .invalid: return "invalid_argument"
        case .unavailable: return "unavailable"
        }
    }
}
