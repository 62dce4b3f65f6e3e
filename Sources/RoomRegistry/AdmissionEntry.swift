import Foundation

/// What the SRT listen callback needs to admit or refuse a source, without touching the database.
public struct AdmissionEntry: Sendable, Hashable {
    public var path: String
    public var kind: SourceKind
    /// The current SRT passphrase for this source.
    public var passphrase: String
    public var keyCreatedAt: Date
    /// True for a revoked device (refuse with 1403).
    public var revoked: Bool
    /// Owning organisation: the township centre for a room, the owner for a device, itself for a hall.
    public var organisation: String
    /// Area codes from the city down to the source's own area (village for a room,
    /// the organisation's area for a device or hall); used for jurisdiction checks.
    public var areaCodes: [String]

    public init(path: String, kind: SourceKind, passphrase: String, keyCreatedAt: Date, revoked: Bool,
                organisation: String, areaCodes: [String]) {
        self.path = path
        self.kind = kind
        self.passphrase = passphrase
        self.keyCreatedAt = keyCreatedAt
        self.revoked = revoked
        self.organisation = organisation
        self.areaCodes = areaCodes
    }
}
