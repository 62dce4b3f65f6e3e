import PathRules

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

    /// Parses `room/<code>`, `cam/<id>` or `hall/<org>` by PathRules (the one path syntax),
    /// refusing anything else as `.invalid`.
    public init(parsing text: String) throws(ReportingError) {
        let parsed: MediaPath
        do {
            parsed = try MediaPath(text)
        } catch {
            // A kind the gateway does not have is unknown, like an unregistered room; bad syntax is invalid.
            throw error.code == .unknownKind ? .notFound(error.message) : .invalid(error.message)
        }
        switch parsed.kind {
        case .room: self = .room(parsed.id)
        case .cam: self = .camera(parsed.id)
        case .hall: self = .hall(parsed.id)
        case .lab: throw .invalid("'\(parsed)': lab sources cannot join a session; expected room/, cam/ or hall/")
        // Points join sessions once the gateway can pull them (issue 15, part 3); until then a
        // session never carries a feed that cannot play.
        case .point: throw .invalid("'\(parsed)': surveillance points cannot join a session yet; expected room/, cam/ or hall/")
        }
    }

    public var description: String {
        switch self {
        case .room(let code): "room/\(code)"
        case .camera(let id): "cam/\(id)"
        case .hall(let org): "hall/\(org)"
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
