/// A validated path: `<kind>/<id>` (`lab/cam1`, `room/520602001201`, `cam/bc-520602001`,
/// `hall/520600`). The one parser of path syntax: SRT stream ids, HLS URLs, REST bodies, session
/// feeds, the CLI and the registry all come through here, so they agree on what is a path.
public struct MediaPath: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let kind: PathKind
    public let id: String

    public init(kind: PathKind, id: String) throws(PathRulesError) {
        try kind.idRule.check(id)
        self.kind = kind
        self.id = id
    }

    /// Parses `<kind>/<id>`. An unknown kind is `.unknownKind` only when the text is otherwise a
    /// well-formed path (so `../../etc` is malformed, `tv/x` unknown).
    public init(_ text: String) throws(PathRulesError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw PathRulesError(.malformed, "a path is '<kind>/<id>', not '\(IdentifierRule.printable(text))'")
        }
        guard let kind = PathKind(rawValue: String(parts[0])) else {
            guard IdentifierRule.labName.accepts(String(parts[0])), IdentifierRule.labName.accepts(String(parts[1])) else {
                throw PathRulesError(.malformed, "'\(IdentifierRule.printable(text))' is not a path: '<kind>/<id>' of letters, digits, '_' and '-'")
            }
            let kinds = PathKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw PathRulesError(.unknownKind, "unknown path kind '\(parts[0])' (\(kinds))")
        }
        try self.init(kind: kind, id: String(parts[1]))
    }

    public var description: String { "\(kind.rawValue)/\(id)" }

    public static func < (lhs: MediaPath, rhs: MediaPath) -> Bool { lhs.description < rhs.description }
}
