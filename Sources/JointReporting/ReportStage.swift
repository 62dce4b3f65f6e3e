/// The stages of reporting an incident: first report (初报), numbered follow-ups (续报), final
/// report (终报).
public enum ReportStage: Sendable, Hashable, CustomStringConvertible {
    case first
    /// Follow-up number n, counted from 1.
    case followUp(Int)
    case final

    public var description: String {
        switch self {
        case .first: "first"
        case .followUp(let n): "followup \(n)"
        case .final: "final"
        }
    }

    /// The stage name as the API spells it, without the follow-up number.
    public var kind: ReportStageKind {
        switch self {
        case .first: .first
        case .followUp: .followup
        case .final: .final
        }
    }
}

// Encoded as `{"stage": "followup", "number": 2}` (number only for follow-ups), keyed so that
// `IncidentReport` can flatten it into its own object.
extension ReportStage: Codable {
    private enum CodingKeys: String, CodingKey {
        case stage, number
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(ReportStageKind.self, forKey: .stage) {
        case .first: self = .first
        case .final: self = .final
        case .followup:
            let number = try container.decode(Int.self, forKey: .number)
            guard number >= 1 else {
                throw DecodingError.dataCorruptedError(forKey: .number, in: container, debugDescription: "follow-ups are numbered from 1")
            }
            self = .followUp(number)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .stage)
        if case .followUp(let number) = self { try container.encode(number, forKey: .number) }
    }
}
