/// Where an incident happened: a village (12-digit code) when known, else a township (9 digits).
public enum IncidentLocation: Sendable, Hashable {
    case village(String)
    case township(String)

    /// The administrative code, which jurisdiction tests by prefix.
    public var areaCode: String {
        switch self {
        case .village(let code), .township(let code): code
        }
    }

    /// Checks the shape only; whether the area is registered is the coordinator's business.
    public init(villageCode: String?, townshipCode: String?) throws(ReportingError) {
        func digits(_ s: String, _ n: Int) -> Bool { s.utf8.count == n && s.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
        switch (villageCode, townshipCode) {
        case (let village?, nil):
            guard digits(village, 12) else { throw .invalid("a village code has 12 digits, got '\(village.prefix(40))'") }
            self = .village(village)
        case (nil, let township?):
            guard digits(township, 9) else { throw .invalid("a township code has 9 digits, got '\(township.prefix(40))'") }
            self = .township(township)
        case (.some, .some):
            throw .invalid("give either a village code or a township code, not both")
        case (nil, nil):
            throw .invalid("an incident needs a village code or a township code")
        }
    }
}

// Encoded as `{"villageCode": "…"}` or `{"townshipCode": "…"}`, the REST API's own names.
extension IncidentLocation: Codable {
    private enum CodingKeys: String, CodingKey {
        case villageCode, townshipCode
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        do {
            self = try IncidentLocation(
                villageCode: try container.decodeIfPresent(String.self, forKey: .villageCode),
                townshipCode: try container.decodeIfPresent(String.self, forKey: .townshipCode))
        } catch let error as ReportingError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .village(let code): try container.encode(code, forKey: .villageCode)
        case .township(let code): try container.encode(code, forKey: .townshipCode)
        }
    }
}
