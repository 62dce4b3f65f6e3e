import Foundation
import HTTPTypes
import Hummingbird

/// `GET /api/v1/openapi.yaml`: the API's OpenAPI 3.1 description, the module's resource
/// `OpenAPI/openapi.yaml` (the one copy; `docs/openapi.yaml` is a symbolic link to it), read once.
/// No token: integrators read it before they have one.
enum OpenAPIDocument {
    static let contentType = "application/yaml"

    /// Nil only when the bundle lacks the file (a packaging fault; answered 500 with that said).
    static let bytes: [UInt8]? = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return Array(data)
    }()

    static func response() throws -> Response {
        guard let bytes else {
            throw APIError(.internalServerError, "the OpenAPI description is missing from this build")
        }
        var headers = HTTPFields()
        headers[.contentType] = contentType
        // Changes only with the binary: revalidate, as the console's files.
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
