import HTTPTypes
import Hummingbird

/// CORS for the halls' browsers: the allowed origins come from the configuration (`*` allows any).
/// Answers preflight requests itself.
public struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowAll: Bool
    let origins: Set<String>

    public init(allowedOrigins: [String]) {
        allowAll = allowedOrigins.contains("*")
        origins = Set(allowedOrigins)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else {
            return try await next(request, context)
        }
        let allowed = allowAll || origins.contains(origin)
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var response = Response(status: allowed ? .noContent : .forbidden)
            if allowed {
                apply(to: &response.headers, origin: origin)
                response.headers[.accessControlAllowMethods] = "GET, HEAD, POST, DELETE, OPTIONS"
                response.headers[.accessControlAllowHeaders] = "Authorization, Content-Type, Range"
                response.headers[.accessControlMaxAge] = "600"
            }
            return response
        }
        var response = try await next(request, context)
        if allowed { apply(to: &response.headers, origin: origin) }
        return response
    }

    private func apply(to headers: inout HTTPFields, origin: String) {
        headers[.accessControlAllowOrigin] = allowAll ? "*" : origin
        if !allowAll { headers[.vary] = "Origin" }
    }
}
