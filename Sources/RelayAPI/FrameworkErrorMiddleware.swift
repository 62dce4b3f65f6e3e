import HTTPTypes
import Hummingbird

/// Hummingbird's own refusals, a URL no route serves (404) and a body over a route's
/// `collect(upTo:)` limit (413), carried the framework's body (none, or `{"error":{"message"}}`);
/// here they become the API's error body with a code, like every other refusal (issue 22: "every
/// refusal a JSON error with its code"). The routes throw `APIError` themselves and pass through.
struct FrameworkErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let message: String
            if let body = error.body {
                message = body
            } else if error.status == .notFound {
                message = "no route serves \(request.method) \(request.uri.path.prefix(200))"
            } else {
                message = error.status.reasonPhrase
            }
            throw APIError(error.status, message, headers: error.headers)
        }
    }
}
