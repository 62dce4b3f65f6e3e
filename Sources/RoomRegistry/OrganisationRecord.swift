import GRDB

/// Row of table `organisation`.
struct OrganisationRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Hashable {
    static let databaseTableName = "organisation"

    var id: String
    var name: String
    var level: OrganisationLevel
    var areaCode: String
    var synthetic: Bool

    init(_ organisation: Organisation) {
        id = organisation.id
        name = organisation.name
        level = organisation.level
        areaCode = organisation.areaCode
        synthetic = organisation.synthetic
    }

    var organisation: Organisation {
        Organisation(id: id, name: name, level: level, areaCode: areaCode, synthetic: synthetic)
    }
}

extension OrganisationLevel: DatabaseValueConvertible {}
