import GRDB

/// Row of table `area`.
struct AreaRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Hashable {
    static let databaseTableName = "area"

    var code: String
    var name: String
    var level: AreaLevel
    var parentCode: String?
    var synthetic: Bool

    init(_ area: Area) {
        code = area.code
        name = area.name
        level = area.level
        parentCode = area.parentCode
        synthetic = area.synthetic
    }

    var area: Area { Area(code: code, name: name, level: level, parentCode: parentCode, synthetic: synthetic) }
}

extension AreaLevel: DatabaseValueConvertible {}
