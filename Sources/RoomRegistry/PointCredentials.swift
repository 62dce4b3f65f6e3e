/// A point's username and password for its camera or platform: write-only. They go into the
/// registry encrypted (`PointCredentialKey`) and come out only to the puller (`PointPullSource`);
/// no description, debug description or mirror of this type shows the password.
public struct PointCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public static let maximumUsernameLength = 128
    public static let maximumPasswordLength = 256

    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String { "PointCredentials(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// `[username length, 2 bytes big-endian][username][password]`, UTF-8: the plaintext sealed.
    var plaintext: [UInt8] {
        let user = Array(username.utf8)
        return [UInt8(user.count >> 8), UInt8(user.count & 0xFF)] + user + Array(password.utf8)
    }

    init?(plaintext bytes: [UInt8]) {
        guard bytes.count >= 2 else { return nil }
        let length = Int(bytes[0]) << 8 | Int(bytes[1])
        guard bytes.count >= 2 + length,
              let user = String(validating: bytes[2..<(2 + length)], as: UTF8.self),
              let password = String(validating: bytes[(2 + length)...], as: UTF8.self) else { return nil }
        self.init(username: user, password: password)
    }
}
