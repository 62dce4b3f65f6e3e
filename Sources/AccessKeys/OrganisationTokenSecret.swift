import Crypto
import Foundation
import JointReporting

/// Organisation tokens: how one is made and the hash it is stored and looked up by. The storage
/// keeps only the hash (ReportingStore); the derivation lives here, with the other key material.
public enum OrganisationTokenSecret {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// A new token: `prefix` and 40 characters of a 62-symbol alphabet (about 238 bits) from the
    /// system's random number generator.
    public static func generate(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<40).map { _ in alphabet.randomElement(using: &generator) ?? UInt8(ascii: "A") }
        return prefix + String(decoding: secret, as: UTF8.self)
    }

    /// Lowercase hex SHA-256 of the token's UTF-8 bytes.
    public static func hash(token: String) -> String {
        Data(SHA256.hash(data: Array(token.utf8))).hexString
    }
}
