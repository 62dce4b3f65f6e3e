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
        APIError(httpStatus, message)
    }
}
