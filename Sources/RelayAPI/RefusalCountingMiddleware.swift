import HTTPTypes
import Hummingbird

/// Counts the oversized bodies the routes refuse themselves (413 below the edge's own limit, e.g.
/// the registry's 64 KiB JSON bodies), so /metrics shows them beside the edge's refusals.
struct RefusalCountingMiddleware<Context: RequestContext>: RouterMiddleware {
    let counters: HTTPEdgeCounters

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            if response.status == .contentTooLarge { counters.bodyTooLarge.increment() }
            return response
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            counters.bodyTooLarge.increment()
            throw error
        }
    }
}
