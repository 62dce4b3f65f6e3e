/// What a caller asks for when reporting: the follow-up number is assigned by the incident, never
/// chosen by the caller, so two consoles cannot both file "follow-up 2".
public enum ReportStageKind: String, Sendable, Hashable, Codable, CaseIterable {
    case first
    case followup
    case final
}
