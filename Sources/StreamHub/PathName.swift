/// A validated live path name: `<kind>/<id>`, for example `lab/cam1`, `room/520602001201`,
/// `cam/bc-520602001`, `hall/520600`. Names arrive from SRT stream ids and URLs, so the rules are
/// strict: exactly two parts, each of `[A-Za-z0-9._-]`, not starting with a dot (no `..`), at most
/// 64 characters for the id.
public struct PathName: Hashable, Sendable, CustomStringConvertible, Comparable {
    public enum Kind: String, Sendable, CaseIterable {
        case lab, room, cam, hall
    }

    public let kind: Kind
    public let id: String

    public var description: String { "\(kind.rawValue)/\(id)" }

    public static let maximumIDLength = 64

    public init(kind: Kind, id: String) throws(StreamHubError) {
        try Self.validate(id: id)
        if kind == .room {
            guard id.utf8.count == 12, id.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw StreamHubError(.malformedPath, "room ids are 12-digit village codes, not '\(id)'")
            }
        }
        self.kind = kind
        self.id = id
    }

    public init(_ text: String) throws(StreamHubError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw StreamHubError(.malformedPath, "a path is '<kind>/<id>', got \(parts.count) part(s)")
        }
        guard let kind = Kind(rawValue: String(parts[0])) else {
            try Self.validate(id: String(parts[0]))
            throw StreamHubError(.unknownPath, "unknown path kind '\(parts[0])' (lab, room, cam or hall)")
        }
        try self.init(kind: kind, id: String(parts[1]))
    }

    private static func validate(id: String) throws(StreamHubError) {
        guard !id.isEmpty else { throw StreamHubError(.malformedPath, "empty path part") }
        guard id.utf8.count <= maximumIDLength else {
            throw StreamHubError(.malformedPath, "path part longer than \(maximumIDLength) characters")
        }
        guard id.utf8.first != UInt8(ascii: ".") else {
            throw StreamHubError(.malformedPath, "path parts may not start with '.'")
        }
        for byte in id.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                continue
            default:
                throw StreamHubError(.malformedPath, "path parts allow only letters, digits, '.', '-' and '_'")
            }
        }
    }

    public static func < (lhs: PathName, rhs: PathName) -> Bool { lhs.description < rhs.description }
}
