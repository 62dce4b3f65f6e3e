/// The four classes of emergencies of the national emergency response law.
public enum IncidentCategory: String, Sendable, Hashable, Codable, CaseIterable {
    case naturalDisaster = "natural_disaster"
    case accident
    case publicHealth = "public_health"
    case socialSafety = "social_safety"
}
