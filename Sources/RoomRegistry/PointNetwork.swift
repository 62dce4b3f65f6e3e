/// Which camera network a surveillance point belongs to (DOMAIN.md, "Surveillance points").
public enum PointNetwork: String, Codable, Sendable, CaseIterable {
    /// 天网: public security's city and road cameras.
    case skynet
    /// 雪亮: public security's village and road cameras.
    case sharpEyes = "sharp-eyes"
    /// 智慧乡村: the smart-village programme's cameras.
    case smartVillage = "smart-village"
    case other

    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
