import Crypto
import Foundation
import JointReporting

/// Short-lived viewer tokens for HLS URLs and event streams: `frv1.<viewer>.<expiry>.<mac>`.
///
/// Browsers' `<video>` and `EventSource` cannot send an Authorization header, so the URLs handed
/// to a hall carry a token; putting an organisation's long-lived token there would spread it into
/// logs and caches. A viewer token names only who reads (`admin` or an organisation id) and until
/// when (Unix seconds), signed with HMAC-SHA256 under a key derived from the audit key, so
/// checking one needs no database. It authenticates only: what the viewer may watch is still
/// decided on every request by the viewing rules, so access removed by a close or a removal ends
/// at once even while the token lives.
public struct ViewerTokenSigner: Sendable {
    public static let prefix = "frv1."
    /// Ten minutes: long enough for a player to start and for the playlist to hand on fresh
    /// tokens, short enough that a URL copied out of a hall is soon useless.
    public static let defaultLifetime: TimeInterval = 600

    private let keyBytes: Data
    public let lifetime: TimeInterval

    /// `auditKey` is the raw audit key; the signing key is derived from it (HKDF-SHA256 with its
    /// own label) so that a viewer-token MAC can never be replayed as an audit MAC or vice versa.
    public init(auditKey: Data, lifetime: TimeInterval = defaultLifetime) {
        let derived = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: auditKey), info: Array("fieldrelay viewer tokens v1".utf8), outputByteCount: 32)
        keyBytes = derived.withUnsafeBytes { Data($0) }
        self.lifetime = lifetime
    }

    /// Expiries are rounded up to a whole step, so every token a viewer is handed within one
    /// step is the same token: the URI of an init section, segment or part stays the same from one
    /// playlist reload to the next (a player that compares URIs does not see a new init section,
    /// and an edge cache sees one object, not one per reload).
    public static let renewalStep: Int64 = 60

    /// A token for `viewer`, valid from `now` for at least `lifetime` (at most one renewal step
    /// more).
    public func issue(for viewer: Viewer, now: Date = Date()) -> String {
        let earliest = Int64((now.timeIntervalSince1970 + lifetime).rounded(.up))
        let expiry = (earliest + Self.renewalStep - 1) / Self.renewalStep * Self.renewalStep
        let body = Self.prefix + Self.subject(viewer) + "." + String(expiry)
        return body + "." + mac(body).hexString
    }

    public func check(_ token: String, now: Date = Date()) -> ViewerTokenCheck {
        guard token.hasPrefix(Self.prefix), token.utf8.count <= 200 else { return .invalid }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, let expiry = Int64(parts[2]), let stated = Data(hexString: String(parts[3])) else { return .invalid }
        let body = parts[0...2].joined(separator: ".")
        // Compared without an early exit, so response time does not leak how much matched.
        let expected = mac(body)
        guard stated.count == expected.count, zip(stated, expected).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0 else {
            return .invalid
        }
        guard Double(expiry) > now.timeIntervalSince1970 else { return .expired }
        let subject = String(parts[1])
        return .valid(subject == "admin" ? .admin : .organisation(subject))
    }

    private static func subject(_ viewer: Viewer) -> String {
        switch viewer {
        case .admin: "admin"
        // Organisation ids are digits, letters and '-' (never '.' and never "admin"), so the
        // token splits unambiguously.
        case .organisation(let id): id
        }
    }

    /// The first 16 bytes of HMAC-SHA256: 128 bits is ample for a token that lives minutes.
    private func mac(_ body: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: keyBytes)).prefix(16))
    }
}
