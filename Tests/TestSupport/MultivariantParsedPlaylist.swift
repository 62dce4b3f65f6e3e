/// A parsed multivariant playlist (RFC 8216 4.3.4): its tags and its variant streams, each with
/// the attributes of its EXT-X-STREAM-INF (quoted values unquoted; CODECS keeps its commas).
public struct MultivariantParsedPlaylist: Sendable {
    public struct Variant: Sendable {
        public var attributes: [String: String]
        public var uri: String

        public var bandwidth: Int? { attributes["BANDWIDTH"].flatMap { Int($0) } }
        public var averageBandwidth: Int? { attributes["AVERAGE-BANDWIDTH"].flatMap { Int($0) } }
        public var codecs: String? { attributes["CODECS"] }
        public var resolution: String? { attributes["RESOLUTION"] }
        public var frameRate: String? { attributes["FRAME-RATE"] }
    }

    public var version: Int?
    public var independentSegments = false
    public var variants: [Variant] = []
    /// Every line starting with `#EXT`, for checks on what is (not) there.
    public var tags: [String] = []

    public init(_ text: String) {
        var pending: [String: String]?
        for raw in text.split(separator: "\n") {
            let line = String(raw)
            if line.hasPrefix("#EXT") { tags.append(line) }
            if line.hasPrefix("#EXT-X-VERSION:") {
                version = Int(line.dropFirst("#EXT-X-VERSION:".count))
            } else if line == "#EXT-X-INDEPENDENT-SEGMENTS" {
                independentSegments = true
            } else if line.hasPrefix("#EXT-X-STREAM-INF:") {
                pending = Self.attributes(line.dropFirst("#EXT-X-STREAM-INF:".count))
            } else if !line.hasPrefix("#"), !line.isEmpty, let attributes = pending {
                variants.append(Variant(attributes: attributes, uri: line))
                pending = nil
            }
        }
    }

    /// An attribute list (RFC 8216 4.2): NAME=value pairs split on the commas outside quotes.
    static func attributes(_ list: Substring) -> [String: String] {
        var result: [String: String] = [:]
        var rest = list[...]
        while let equals = rest.firstIndex(of: "=") {
            let name = String(rest[..<equals])
            rest = rest[rest.index(after: equals)...]
            let value: Substring
            if rest.hasPrefix("\"") {
                let body = rest.dropFirst()
                let close = body.firstIndex(of: "\"") ?? body.endIndex
                value = body[..<close]
                rest = close < body.endIndex ? body[body.index(after: close)...] : body[close...]
            } else {
                let comma = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<comma]
                rest = rest[comma...]
            }
            result[name] = String(value)
            if rest.hasPrefix(",") { rest = rest.dropFirst() }
        }
        return result
    }
}
