import PathRules

/// A registered source's path (`room/<code>`, `cam/<id>`, `hall/<org>`), parsed and validated by
/// PathRules (the one path syntax), with the registry's own kinds.
public struct SourcePath: Hashable, Sendable, CustomStringConvertible {
    public let kind: SourceKind
    /// The room code, device id or organisation id.
    public let identifier: String

    public init(kind: SourceKind, identifier: String) throws {
        switch kind {
        case .room:
            guard AreaCode.isValid(identifier, level: .village) else {
                throw RegistryError(.invalid, "a room path needs a 12-digit village code, not '\(identifier.prefix(64))'")
            }
        case .device:
            try DeviceIdentifier.check(identifier)
        case .hall:
            guard OrganisationIdentifier.isValid(identifier) else {
                throw RegistryError(.invalid, "'\(identifier.prefix(64))' is not a valid organisation id")
            }
        }
        self.kind = kind
        self.identifier = identifier
    }

    /// Parses `room/…`, `cam/…` or `hall/…`. Anything else (including `lab/…`) is refused.
    public init(parsing path: String) throws {
        let parsed: MediaPath
        do {
            parsed = try MediaPath(path)
        } catch {
            throw RegistryError(.invalid, error.message)
        }
        guard let kind = SourceKind(parsed.kind) else {
            throw RegistryError(.invalid, "'\(parsed)' is not a registered source path (expected room/, cam/ or hall/)")
        }
        self.init(trusted: kind, parsed.id)
    }

    /// Non-throwing constructor for identifiers already validated (e.g. read back from the registry).
    init(trusted kind: SourceKind, _ identifier: String) {
        self.kind = kind
        self.identifier = identifier
    }

    public var path: String { "\(kind.pathPrefix)/\(identifier)" }
    public var description: String { path }

    /// The SRT access-control stream id a device uses to publish here
    /// (`#!::r=<path>,m=publish`, per the SRT access-control specification).
    public var publishStreamID: String { "#!::r=\(path),m=publish" }
}
