import Foundation
import HTTPTypes
import Hummingbird

/// The tokens the HTTP surface accepts. Until joint reporting brings organisation tokens, the admin
/// token guards registered sources, key material and writes.
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

    /// Throws 401 without a token and 403 with one that is not the admin's.
    public func requireAdmin(_ request: Request) throws {
        guard let presented = Self.presented(by: request) else {
            throw APIError(.unauthorized, "this needs a token: Authorization: Bearer <token> (or ?token= for media URLs)",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        guard let admin, Self.constantTimeEqual(presented, admin) else {
            throw APIError(.forbidden, "this token may not do that")
        }
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
