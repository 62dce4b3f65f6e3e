/// A video source that can be carried by a joint session: a village room, a device (body camera)
/// or a command hall's own camera. `lab/<name>` paths exist on the gateway but are not sources of
/// joint reporting, so they do not parse here.
public enum SourcePath: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `room/<12-digit village code>`
    case room(String)
    /// `cam/<device id>`
    case camera(String)
    /// `hall/<organisation id>`
    case hall(String)

    /// Parses `room/<code>`, `cam/<id>` or `hall/<org>`, refusing anything else as `.invalid`.
    public init(parsing text: String) throws(ReportingError) {
        guard let slash = text.firstIndex(of: "/") else {
            throw .invalid("'\(text.prefix(80))' is not a source path; expected room/<code>, cam/<id> or hall/<org>")
        }
        let scheme = text[..<slash]
        let rest = String(text[text.index(after: slash)...])
        switch scheme {
        case "room":
            guard rest.utf8.count == 12, rest.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                throw .invalid("a room path needs a 12-digit village code, got '\(rest.prefix(80))'")
            }
            self = .room(rest)
        case "cam":
            try Self.checkIdentifier(rest, what: "device id")
            self = .camera(rest)
        case "hall":
            try Self.checkIdentifier(rest, what: "organisation id")
            self = .hall(rest)
        default:
            throw .invalid("'\(scheme.prefix(40))' sources cannot join a session; expected room/, cam/ or hall/")
        }
    }

    public var description: String {
        switch self {
        case .room(let code): "room/\(code)"
        case .camera(let id): "cam/\(id)"
        case .hall(let org): "hall/\(org)"
        }
    }

    // Identifiers end up in URLs, SRT stream ids and the audit record, so they are kept to a
    // conservative character set that needs no escaping anywhere.
    private static func checkIdentifier(_ id: String, what: String) throws(ReportingError) {
        let allowed = id.utf8.allSatisfy { byte in
            (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
                || byte == 45 || byte == 46 || byte == 95
        }
        guard !id.isEmpty, id.utf8.count <= 64, allowed, id != ".", id != ".." else {
            throw .invalid("a \(what) is 1-64 characters of letters, digits, '.', '-' or '_', got '\(id.prefix(80))'")
        }
    }

    // Codable as the plain path string, the form used everywhere else (REST, SRT, HLS URLs).
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try SourcePath(parsing: text) } catch { throw error }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
