import PathRules

/// A live path's name: a `MediaPath` (`<kind>/<id>`) from PathRules, where the syntax of every kind
/// is decided. The hub does not interpret kinds; it carries them for its callers.
public struct PathName: Hashable, Sendable, CustomStringConvertible, Comparable {
    public typealias Kind = PathKind

    public let path: MediaPath

    public var kind: Kind { path.kind }
    public var id: String { path.id }
    public var description: String { path.description }

    public static var maximumIDLength: Int { IdentifierRule.maximumLength }

    public init(_ path: MediaPath) {
        self.path = path
    }

    public init(kind: Kind, id: String) throws(StreamHubError) {
        do {
            path = try MediaPath(kind: kind, id: id)
        } catch {
            throw StreamHubError(error)
        }
    }

    public init(_ text: String) throws(StreamHubError) {
        do {
            path = try MediaPath(text)
        } catch {
            throw StreamHubError(error)
        }
    }

    public static func < (lhs: PathName, rhs: PathName) -> Bool { lhs.path < rhs.path }
}

extension StreamHubError {
    init(_ error: PathRulesError) {
        switch error.code {
        case .malformed: self.init(.malformedPath, error.message)
        case .unknownKind: self.init(.unknownPath, error.message)
        }
    }
}
