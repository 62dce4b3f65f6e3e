/// Incident grade: IV general, III larger, II major, I especially major. I is the most severe, so
/// the ordering (`Comparable`) runs by severity: `.iv < .iii < .ii < .i`.
public enum IncidentGrade: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case iv = "IV"
    case iii = "III"
    case ii = "II"
    case i = "I"

    public var severity: Int {
        switch self {
        case .iv: 1
        case .iii: 2
        case .ii: 3
        case .i: 4
        }
    }

    public static func < (lhs: IncidentGrade, rhs: IncidentGrade) -> Bool { lhs.severity < rhs.severity }

    /// Parses "IV", "III", "II" or "I" (case-insensitive).
    public init(parsing text: String) throws(ReportingError) {
        guard let grade = IncidentGrade(rawValue: text.uppercased()) else {
            throw .invalid("'\(text.prefix(20))' is not a grade; expected IV, III, II or I")
        }
        self = grade
    }
}
