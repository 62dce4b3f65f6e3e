/// A rendered playlist with the places where each URI ends marked, so the per-request token suffix
/// (`?token=…`, different for every caller) is put in by joining strings: a playlist is rendered
/// (durations and dates formatted) once per packager state, not once per request.
public struct PlaylistTemplate: Sendable, Equatable {
    /// The text between URI ends; the suffix goes between consecutive pieces.
    private var pieces: [String] = [""]
    /// The text without a suffix, joined once.
    public private(set) var plain = ""

    public init() {}

    mutating func append(_ text: String) {
        pieces[pieces.count - 1] += text
        plain += text
    }

    /// A URI: a caller's suffix goes right after it.
    mutating func appendURI(_ uri: String) {
        append(uri)
        pieces.append("")
    }

    /// The playlist with `uriSuffix` after every URI.
    public func text(uriSuffix: String) -> String {
        guard !uriSuffix.isEmpty, pieces.count > 1 else { return plain }
        var text = ""
        text.reserveCapacity(plain.utf8.count + uriSuffix.utf8.count * (pieces.count - 1))
        for (index, piece) in pieces.enumerated() {
            text += piece
            if index < pieces.count - 1 { text += uriSuffix }
        }
        return text
    }
}
