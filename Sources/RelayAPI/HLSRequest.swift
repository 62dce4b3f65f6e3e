import Foundation
import StreamHub

/// What an `/hls/<kind>/<id>/<file>` request names, parsed from the router's catch-all path
/// components without HTTP types, so the fuzzer in Tests/Fuzz can compile it on its own.
struct HLSRequest: Equatable {
    enum File: Equatable {
        case multivariantPlaylist       // multivariant.m3u8: names index.m3u8 with CODECS, BANDWIDTH...
        case defaultPlaylist            // index.m3u8
        case lowLatencyPlaylist         // ll.m3u8
        case classicPlaylist            // ts.m3u8
        case classicSegment(String)     // <name>.ts
        case lowLatencyResource(String) // anything else: a part, a segment or an init section
    }

    /// Why a request cannot be served: the controller answers 400 or 404 with the message.
    struct Invalid: Error, Equatable {
        enum Kind { case badRequest, notFound }
        var kind: Kind
        var message: String
    }

    var path: PathName
    var file: File

    init(components parts: [String]) throws(Invalid) {
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
    static func tokenSuffix(_ token: String?) -> String {
        guard let token, !token.isEmpty else { return "" }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return "?token=" + (token.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
    }
}

/// The Low-Latency HLS delivery directives of a playlist request (rfc8216bis 6.2.5).
struct LowLatencyQuery: Equatable {
    var sequence: Int?
    var part: Int?
    var skip = false

    init(sequence: Int? = nil, part: Int? = nil, skip: Bool = false) {
        self.sequence = sequence
        self.part = part
        self.skip = skip
    }

    /// `parameter` gives a query parameter's (first, percent-decoded) value.
    init(parameter: (String) -> String?) throws(HLSRequest.Invalid) {
        func number(_ key: String) throws(HLSRequest.Invalid) -> Int? {
            guard let text = parameter(key) else { return nil }
            guard let value = Int(text), value >= 0 else {
                throw HLSRequest.Invalid(kind: .badRequest, message: "\(key) must be a non-negative integer, not '\(text.prefix(32))'")
            }
            return value
        }
        sequence = try number("_HLS_msn")
        part = try number("_HLS_part")
        if part != nil && sequence == nil {
            throw HLSRequest.Invalid(kind: .badRequest, message: "_HLS_part needs _HLS_msn")
        }
        if let value = parameter("_HLS_skip") {
            guard value == "YES" || value == "v2" else {
                throw HLSRequest.Invalid(kind: .badRequest, message: "_HLS_skip must be YES or v2")
            }
            skip = true
        }
    }
}
