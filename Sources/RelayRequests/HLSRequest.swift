import Foundation
import StreamHub

/// What an `/hls/<kind>/<id>/<file>` request names, parsed from the router's catch-all path
/// components without HTTP types. Public for RelayAPI's HLSController and for the `hlsquery` fuzzer
/// (Tests/Fuzz, a package of its own, which reaches it without Hummingbird).
public struct HLSRequest: Equatable, Sendable {
    public enum File: Equatable, Sendable {
        case multivariantPlaylist       // multivariant.m3u8: names index.m3u8 with CODECS, BANDWIDTH...
        case defaultPlaylist            // index.m3u8
        case lowLatencyPlaylist         // ll.m3u8
        case classicPlaylist            // ts.m3u8
        case classicSegment(String)     // <name>.ts
        case lowLatencyResource(String) // anything else: a part, a segment or an init section
    }

    /// Why a request cannot be served: the controller answers 400 or 404 with the message.
    public struct Invalid: Error, Equatable {
        public enum Kind: Sendable { case badRequest, notFound }
        public var kind: Kind
        public var message: String
    }

    public var path: PathName
    public var file: File

    /// A playlist (what starts a stream), not a segment, part or init section.
    public var isPlaylist: Bool {
        switch file {
        case .multivariantPlaylist, .defaultPlaylist, .lowLatencyPlaylist, .classicPlaylist: true
        case .classicSegment, .lowLatencyResource: false
        }
    }

    public init(components parts: [String]) throws(Invalid) {
        guard parts.count >= 2, let file = parts.last else {
            throw Invalid(kind: .notFound, message: "expected /hls/<kind>/<id>/<file>")
        }
        // The router hands the components as they were in the URL: percent-decode them, so that
        // `lab/a%20b` is judged as the path `lab/a b` is everywhere else (and `a%2Fb` cannot hide a '/').
        let decoded = parts.dropLast().map { $0.removingPercentEncoding }
        guard decoded.allSatisfy({ $0 != nil }) else {
            throw Invalid(kind: .badRequest, message: "the path in the URL is not valid percent-encoding")
        }
        do {
            path = try PathName(decoded.compactMap { $0 }.joined(separator: "/"))
        } catch {
            switch error.code {
            case .malformedPath: throw Invalid(kind: .badRequest, message: error.message)
            case .unknownPath, .pathBusy: throw Invalid(kind: .notFound, message: error.message)
            }
        }
        switch file {
        case "multivariant.m3u8": self.file = .multivariantPlaylist
        case "index.m3u8": self.file = .defaultPlaylist
        case "ll.m3u8": self.file = .lowLatencyPlaylist
        case "ts.m3u8": self.file = .classicPlaylist
        default: self.file = file.hasSuffix(".ts") ? .classicSegment(file) : .lowLatencyResource(file)
        }
    }

    /// A playlist fetched with `?token=` passes the token on to every URI it lists: a `<video>`
    /// element cannot send an Authorization header.
    public static func tokenSuffix(_ token: String?) -> String {
        guard let token, !token.isEmpty else { return "" }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return "?token=" + (token.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
    }
}
