import Foundation
import HTTPTypes
import Hummingbird

/// An HTTP error with a JSON body `{"error": code, "message": why}`. Domain errors are mapped to
/// this here, in RelayAPI only.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = (try? JSONEncoder().encode(APIErrorBody(error: Int(status.code), message: message))) ?? Data()
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

struct APIErrorBody: Encodable {
    var error: Int
    var message: String
}
