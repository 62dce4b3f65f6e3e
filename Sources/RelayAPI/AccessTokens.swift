import Foundation
import HTTPTypes
import Hummingbird

/// The admin token, and how a request presents a token. Who a token belongs to is decided once per
/// request by `AuthenticationMiddleware` (`ReportingContext.identify`).
public struct AccessTokens: Sendable {
    public var admin: String?

    public init(admin: String? = nil) {
        self.admin = admin
    }

    /// The caller's token: `Authorization: Bearer <token>`, or `?token=` (a `<video>` element or an
    /// `EventSource` cannot send headers).
    public static func presented(by request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]) }
            return nil
        }
        if let token = request.uri.queryParameters.get("token"), !token.isEmpty { return token }
        return nil
    }

    /// Compares without an early exit, so response time does not leak how much of a token matched.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}
