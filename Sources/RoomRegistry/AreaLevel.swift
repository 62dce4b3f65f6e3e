/// The four administrative levels of the video network ("市县乡村").
public enum AreaLevel: String, Codable, Sendable, CaseIterable, Comparable {
    case city, county, township, village

    /// Number of digits of an area code at this level (GB/T 2260 style codes, extended by the
    /// national statistics bureau to 9 and 12 digits for townships and villages).
    public var codeLength: Int {
        switch self {
        case .city, .county: return 6
        case .township: return 9
        case .village: return 12
        }
    }

    /// The level directly above, if any.
    public var parent: AreaLevel? {
        switch self {
        case .city: return nil
        case .county: return .city
        case .township: return .county
        case .village: return .township
        }
    }

    var depth: Int {
        switch self {
        case .city: return 0
        case .county: return 1
        case .township: return 2
        case .village: return 3
        }
    }

    public static func < (lhs: AreaLevel, rhs: AreaLevel) -> Bool { lhs.depth < rhs.depth }
}
