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

    /// The point list's query narrowed to the scope; nil when it asks for something outside it.
    func narrow(_ query: PointQuery) -> PointQuery? {
        var query = query
        guard let narrowed = narrow(county: query.county, township: query.township) else { return nil }
        (query.county, query.township) = narrowed
        return query
    }

    /// `near` narrowed to the scope; nil when it asks for something outside it.
    func narrow(_ query: PointNearQuery) -> PointNearQuery? {
        var query = query
        guard let narrowed = narrow(county: query.county, township: query.township) else { return nil }
        (query.county, query.township) = narrowed
        return query
    }

    /// A county and township filter narrowed to the scope (the rule `narrow(_: RoomQuery)` follows).
    private func narrow(county: String?, township: String?) -> (String?, String?)? {
        switch self {
        case .all:
            return (county, township)
        case .nothing:
            return nil
        case .county(let code):
            if let county, county != code { return nil }
            if let township, !township.hasPrefix(code) { return nil }
            return (code, township)
        case .township(let code):
            if let township, township != code { return nil }
            if let county, !code.hasPrefix(county) { return nil }
            return (county, code)
        }
    }

    /// Whether an area (a point's county, township or village) lies inside the scope.
    func contains(areaCode code: String) -> Bool {
        contains(roomCode: code)
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
