import PathRules
import RoomRegistry

/// What part of the registry a caller may list: the admin and the city hall everything, a county
/// hall its county, a township centre its township, a department nothing of its own (it sees feeds
/// only through the sessions it takes part in). The same jurisdiction rule the viewing of media
/// follows (issue 4: REST reads are scoped like HLS).
enum RegistryScope: Equatable {
    case all
    case county(String)
    case township(String)
    case nothing

    init(_ organisation: Organisation) {
        switch organisation.level {
        case .city: self = .all
        case .county: self = .county(organisation.areaCode)
        case .township: self = .township(organisation.areaCode)
        case .department: self = .nothing
        }
    }

    /// The caller's query narrowed to the scope; nil when it asks for something outside it.
    func narrow(_ query: RoomQuery) -> RoomQuery? {
        var query = query
        switch self {
        case .all:
            return query
        case .nothing:
            return nil
        case .county(let code):
            if let county = query.county, county != code { return nil }
            if let township = query.township, !township.hasPrefix(code) { return nil }
            query.county = code
            return query
        case .township(let code):
            if let township = query.township, township != code { return nil }
            if let county = query.county, !code.hasPrefix(county) { return nil }
            query.township = code
            return query
        }
    }

    /// PathRules' `Jurisdiction` decides, as it does for media and joint reporting.
    func contains(roomCode code: String) -> Bool {
        switch self {
        case .all: return true
        case .nothing: return false
        case .county(let area): return Jurisdiction(level: .county, areaCode: area).contains(areaCode: code)
        case .township(let area): return Jurisdiction(level: .township, areaCode: area).contains(areaCode: code)
        }
    }

    /// The subtrees of the area tree the caller may see (the whole city for `.all`).
    func trim(_ roots: [AreaNode]) -> [AreaNode] {
        switch self {
        case .all: return roots
        case .nothing: return []
        case .county(let code), .township(let code):
            var found: [AreaNode] = []
            func search(_ nodes: [AreaNode]) {
                // The city's code (520600) is not a prefix of its counties' (520602): walk down until found.
                for node in nodes {
                    if node.code == code { found.append(node) } else if node.code.count <= code.count { search(node.children) }
                }
            }
            search(roots)
            return found
        }
    }
}
