import Crypto
import Foundation

/// Per-organisation SRT read keys: the passphrase a hall's hardware decoder uses with `u=<org>` to
/// read a feed over SRT. Derived (HKDF, then HMAC per organisation) from the audit key kept in the
/// data directory, so they need no storage, survive restarts, and never travel as bearer tokens.
/// `admin` has one too. 24 characters of [A-Za-z0-9], like the sources' keys, so installers can type them.
public struct SRTReadKeys: Sendable {
    private let keyBytes: Data

    public init(auditKey: Data) {
        let derived = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: auditKey), info: Array("fieldrelay srt read keys v1".utf8), outputByteCount: 32)
        keyBytes = derived.withUnsafeBytes { Data($0) }
    }

    public func key(for organisation: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(organisation.utf8), using: SymmetricKey(data: keyBytes))
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        // 32 MAC bytes → 24 characters; the modulo bias (256 mod 62) is irrelevant for a keyed MAC.
        return String(Array(mac).prefix(24).map { alphabet[Int($0) % alphabet.count] })
    }
}
