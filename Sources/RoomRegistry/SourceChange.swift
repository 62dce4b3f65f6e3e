/// A change to a registered source that the SRT layer may have to act on.
public struct SourceChange: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A new source can now publish.
        case added
        /// The source's passphrase changed: a live connection uses the old key and must be cut.
        case keyRotated
        /// The device was revoked: cut its live connection and refuse it with 1403.
        case revoked
        /// The source no longer exists.
        case removed
        /// Other attributes changed (organisation, areas); the key did not.
        case updated
    }

    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }
}
