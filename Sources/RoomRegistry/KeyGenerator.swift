/// Random secrets for SRT passphrases and admin tokens.
///
/// Passphrases are drawn from [A-Za-z0-9] only, so installers can type them and put them raw into
/// an SRT URL (no percent-encoding). 24 characters of a 62-symbol alphabet give about 143 bits,
/// and SRT accepts passphrases of 10 to 79 characters.
public enum KeyGenerator {
    public static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
    public static let passphraseLength = 24

    /// A passphrase from the system's cryptographic random source.
    public static func passphrase(length: Int = passphraseLength) -> String {
        var generator = SystemRandomNumberGenerator()
        return randomString(length: length, using: &generator)
    }

    public static func randomString<G: RandomNumberGenerator>(length: Int, using generator: inout G) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        for _ in 0..<max(0, length) {
            // `randomElement(using:)` is uniform (no modulo bias) over the alphabet.
            bytes.append(alphabet.randomElement(using: &generator) ?? UInt8(ascii: "A"))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// True when `text` has the shape of a generated passphrase.
    public static func isPassphrase(_ text: String) -> Bool {
        text.utf8.count == passphraseLength && text.utf8.allSatisfy { alphabet.contains($0) }
    }
}
