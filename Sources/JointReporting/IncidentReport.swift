import Foundation

/// One report on an incident, as filed.
public struct IncidentReport: Sendable, Hashable {
    public var stage: ReportStage
    public var text: String
    /// The organisation that filed it.
    public var author: String
    public var filedAt: Date

    public init(stage: ReportStage, text: String, author: String, filedAt: Date) {
        self.stage = stage
        self.text = text
        self.author = author
        self.filedAt = filedAt
    }
}

// Flat: `{"stage": "followup", "number": 1, "text": …, "author": …, "filedAt": …}`.
extension IncidentReport: Codable {
    private enum CodingKeys: String, CodingKey {
        case text, author, filedAt
    }

    public init(from decoder: any Decoder) throws {
        stage = try ReportStage(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        text = try container.decode(String.self, forKey: .text)
        author = try container.decode(String.self, forKey: .author)
        filedAt = try container.decode(Date.self, forKey: .filedAt)
    }

    public func encode(to encoder: any Encoder) throws {
        try stage.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        try container.encode(author, forKey: .author)
        try container.encode(filedAt, forKey: .filedAt)
    }
}
