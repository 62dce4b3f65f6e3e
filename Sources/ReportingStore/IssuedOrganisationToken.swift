/// A freshly issued organisation token: the secret (shown this once) and its listing.
public struct IssuedOrganisationToken: Sendable, Hashable {
    public var token: String
    public var info: OrganisationTokenInfo
}
