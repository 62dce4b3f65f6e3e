import Hummingbird

/// Resolves the token a request presents (`Authorization: Bearer`, or `?token=`) into a caller,
/// once, before any route runs; routes then only say what they require of it
/// (`ReportingContext.caller`, `requireAdmin`).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = RelayRequestContext
    let reporting: ReportingContext

    func handle(_ request: Request, context: RelayRequestContext,
                next: (Request, RelayRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        context.authentication = await reporting.identify(request)
        // A console's own requests (not a viewer token handed to a player) say it is there.
        if case .caller(.organisation(let org), viewerToken: false)? = context.authentication {
            reporting.presence.seen(org)
        }
        return try await next(request, context)
    }
}
