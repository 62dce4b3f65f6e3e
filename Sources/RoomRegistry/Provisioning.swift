import Foundation

/// What an installer types into a device. The HTTP layer builds `srtUrl` from its public host
/// name, port, `streamId` and `passphrase`.
public struct Provisioning: Codable, Sendable, Hashable {
    public var sourcePath: String
    /// `#!::r=<path>,m=publish`
    public var streamId: String
    /// 24 characters of [A-Za-z0-9]: safe to type and to put raw into an SRT URL.
    public var passphrase: String
    public var keyCreatedAt: Date

    public init(sourcePath: String, streamId: String, passphrase: String, keyCreatedAt: Date) {
        self.sourcePath = sourcePath
        self.streamId = streamId
        self.passphrase = passphrase
        self.keyCreatedAt = keyCreatedAt
    }
}
