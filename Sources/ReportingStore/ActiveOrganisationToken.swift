/// A live organisation token in the in-memory index.
struct ActiveOrganisationToken: Sendable, Hashable {
    var id: Int64
    var organisation: String
}
