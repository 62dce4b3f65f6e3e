import Foundation
import HTTPTypes
import Hummingbird

/// An HTTP error with a JSON body `{"error": status, "code": name, "message": why}`. Domain
/// errors are mapped to this here, in RelayAPI only.
///
/// `code` is a stable machine-readable name a client can say in its own language (the console
/// does): a domain refusal's reason where it has one (`grade_not_lowered`, `not_host`, ...), else
/// the name of the status's kind (`Self.code(for:)`). The README's API section lists them.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, code: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code ?? Self.code(for: status)
        self.message = message
        self.headers = headers
    }

    /// The general code of a status, for errors without a finer one.
    public static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 409: "conflict"
        case 413: "too_large"
        case 422: "invalid_argument"
        case 429: "too_many_requests"
        case 431: "headers_too_large"
        case 503: "unavailable"
        case 504: "timeout"
        default: status.code >= 500 ? "internal" : "bad_request"
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = (try? JSONEncoder().encode(APIErrorBody(error: Int(status.code), code: code, message: message))) ?? Data()
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

struct APIErrorBody: Encodable {
    var error: Int
    var code: String
    var message: String
}
