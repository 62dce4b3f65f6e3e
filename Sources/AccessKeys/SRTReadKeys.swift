import Crypto
import Foundation

/// Per-organisation SRT read keys: the passphrase a hall's hardware decoder uses with `u=<org>` to
/// read a feed over SRT. Derived (HKDF, then HMAC per organisation) from the audit key kept in the
/// data directory, so they need no storage, survive restarts, and never travel as bearer tokens.
/// `admin` has one too. 24 characters of [A-Za-z0-9], like the sources' keys, so installers can type them.
///
/// Each caller's key has a generation (`SRTReadKeyGenerations`), raised by a rotation: generation 0
/// is the key FieldRelay has always derived, so decoders installed before rotation existed go on
/// working until their organisation's key is first rotated.
public struct SRTReadKeys: Sendable {
    private let keyBytes: Data

    public init(auditKey: Data) {
        let derived = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: auditKey), info: Array("fieldrelay srt read keys v1".utf8), outputByteCount: 32)
        keyBytes = derived.withUnsafeBytes { Data($0) }
    }

    /// The key of `organisation` (or `admin`) at `generation`: HMAC of the id, and from generation 1
    /// on of the id, a NUL (which no id contains) and the generation in decimal.
    public func key(for organisation: String, generation: Int = 0) -> String {
        var message = Array(organisation.utf8)
        if generation > 0 {
            message += [0] + Array(String(generation).utf8)
        }
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: keyBytes))
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        // 32 MAC bytes → 24 characters; the modulo bias (256 mod 62) is irrelevant for a keyed MAC.
        return String(Array(mac).prefix(24).map { alphabet[Int($0) % alphabet.count] })
    }
}
