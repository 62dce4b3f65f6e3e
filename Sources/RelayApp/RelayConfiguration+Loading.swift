import Foundation
import Logging
import Recording
import SRTTransport
import Yams

extension RelayConfiguration {
    /// Reads a YAML file. Missing keys keep their defaults; unknown keys, wrong types and values out
    /// of range are refused with the key's dotted name.
    public static func load(file: String) throws(RelayAppError) -> RelayConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw RelayAppError(.configuration, "cannot read configuration file \(file): \(error.localizedDescription)")
        }
        return try parse(yaml: text, source: file)
    }

    public static func parse(yaml: String, source: String = "configuration") throws(RelayAppError) -> RelayConfiguration {
        let configuration = try decode(yaml: yaml, source: source)
        try configuration.validate(source: source)
        return configuration
    }

    /// The file laid over the defaults and decoded, before the range checks of `validate`.
    static func decode(yaml: String, source: String) throws(RelayAppError) -> RelayConfiguration {
        let given: Node?
        do {
            given = try Yams.compose(yaml: yaml)
        } catch {
            throw RelayAppError(.configuration, "\(source) is not valid YAML: \(error)")
        }
        let file = ConfigurationFile(source: source, defaults: try defaultsNode())
        var merged = file.defaults
        if let given { merged = try file.overlay(given, on: file.defaults, at: []) }
        do {
            return try YAMLDecoder().decode(RelayConfiguration.self, from: merged)
        } catch let error as DecodingError {
            throw file.refusal(error, in: merged)
        } catch {
            throw RelayAppError(.configuration, "\(source): \(error)")
        }
    }

    /// Every key's dotted name, in the order of the structs (sections are not listed, their keys are).
    static func knownKeys() throws(RelayAppError) -> [String] {
        ConfigurationFile.keyPaths(of: try defaultsNode()).filter { !$0.isSection }.map(\.name)
    }

    /// The built-in defaults as YAML: the one list of keys, their nesting and their kinds, read off
    /// the `Codable` structs themselves.
    private static func defaultsNode() throws(RelayAppError) -> Node {
        do {
            if let node = try Yams.compose(yaml: YAMLEncoder().encode(RelayConfiguration())) { return node }
        } catch {}
        throw RelayAppError(.configuration, "the built-in defaults cannot be written as YAML")
    }

    /// Range checks, each naming its key. Also run after command-line overrides.
    public func validate(source: String = "configuration") throws(RelayAppError) {
        func check(_ ok: Bool, _ key: String, _ rule: String, _ value: Any) throws(RelayAppError) {
            if !ok { throw RelayAppError(.configuration, "\(source): \(key) \(rule) (got \(value))") }
        }
        try check(Logger.Level(rawValue: log.level) != nil, "log.level", "must be one of trace, debug, info, notice, warning, error, critical", log.level)
        try check(!dataDirectory.isEmpty, "dataDirectory", "must not be empty", "\"\"")
        try check((0...65535).contains(srt.port), "srt.port", "must be 0-65535", srt.port)
        try check(Self.isIPv4(srt.host), "srt.host", "must be an IPv4 address", srt.host)
        try check((20...30_000).contains(srt.latencyMs), "srt.latencyMs", "must be 20-30000 milliseconds", srt.latencyMs)
        try check((1000...120_000).contains(srt.peerIdleTimeoutMs), "srt.peerIdleTimeoutMs", "must be 1000-120000 milliseconds", srt.peerIdleTimeoutMs)
        try check((1...64).contains(srt.receiveLoops), "srt.receiveLoops", "must be 1-64", srt.receiveLoops)
        try check(SRTPublisherDelivery(rawValue: srt.publisherDelivery) != nil, "srt.publisherDelivery",
                  "must be tsbpd or on-arrival", srt.publisherDelivery)
        try check((0...50).contains(srt.receiveBatchMs), "srt.receiveBatchMs", "must be 0-50 milliseconds", srt.receiveBatchMs)
        try check((1...100_000).contains(srt.maxConnections), "srt.maxConnections", "must be 1-100000", srt.maxConnections)
        try check((0...100_000).contains(srt.maxPendingHandshakesPerSource), "srt.maxPendingHandshakesPerSource",
                  "must be 0-100000 (0: no cap)", srt.maxPendingHandshakesPerSource)
        try check((0...100_000).contains(srt.maxPendingHandshakesPerStream), "srt.maxPendingHandshakesPerStream",
                  "must be 0-100000 (0: no cap)", srt.maxPendingHandshakesPerStream)
        try check((0...65535).contains(http.port), "http.port", "must be 0-65535", http.port)
        try check(!http.host.isEmpty, "http.host", "must not be empty", http.host)
        try check(http.tls.certificateFile.isEmpty == http.tls.keyFile.isEmpty, "http.tls", "needs both certificateFile and keyFile, or neither",
                  "certificateFile=\(http.tls.certificateFile) keyFile=\(http.tls.keyFile)")
        try check((0...65535).contains(http.tls.port), "http.tls.port", "must be 0-65535", http.tls.port)
        try check((0...60).contains(http.firstSegmentWaitSeconds), "http.firstSegmentWaitSeconds", "must be 0-60", http.firstSegmentWaitSeconds)
        try check((1...1_000_000).contains(http.maxConnections), "http.maxConnections", "must be 1-1000000", http.maxConnections)
        try check((1...3600).contains(http.idleTimeoutSeconds), "http.idleTimeoutSeconds", "must be 1-3600 seconds", http.idleTimeoutSeconds)
        try check((1...3600).contains(http.bodyTimeoutSeconds), "http.bodyTimeoutSeconds", "must be 1-3600 seconds", http.bodyTimeoutSeconds)
        try check((1024...1_048_576).contains(http.maxHeaderBytes), "http.maxHeaderBytes", "must be 1024-1048576 bytes", http.maxHeaderBytes)
        try check((65_536...1_073_741_824).contains(http.maxBodyBytes), "http.maxBodyBytes",
                  "must be 65536-1073741824 bytes (the API's JSON bodies may be up to 64 KiB)", http.maxBodyBytes)
        try check((1...1_000_000).contains(http.maxHeldRequests), "http.maxHeldRequests", "must be 1-1000000", http.maxHeldRequests)
        try check((0.5...30).contains(hls.segmentTargetSeconds), "hls.segmentTargetSeconds", "must be 0.5-30 seconds", hls.segmentTargetSeconds)
        try check((3...100).contains(hls.windowSegments), "hls.windowSegments", "must be 3-100 (RFC 8216 6.2.2 wants at least three target durations listed)", hls.windowSegments)
        try check((0...100).contains(hls.retainedSegments), "hls.retainedSegments", "must be 0-100", hls.retainedSegments)
        try check(["low-latency", "classic"].contains(hls.defaultPlaylist), "hls.defaultPlaylist", "must be low-latency or classic", hls.defaultPlaylist)
        try check((0.05...2).contains(hls.partTargetSeconds) && hls.partTargetSeconds < hls.segmentTargetSeconds,
                  "hls.partTargetSeconds", "must be 0.05-2 seconds and below hls.segmentTargetSeconds", hls.partTargetSeconds)
        try check((5...3600).contains(hls.packagerIdleSeconds), "hls.packagerIdleSeconds", "must be 5-3600 seconds", hls.packagerIdleSeconds)
        try check((100...60_000).contains(paths.takeoverAfterMs), "paths.takeoverAfterMs", "must be 100-60000 milliseconds", paths.takeoverAfterMs)
        try check((1...300).contains(paths.stallTimeoutSeconds), "paths.stallTimeoutSeconds", "must be 1-300 seconds", paths.stallTimeoutSeconds)
        try check((0...3600).contains(paths.reconnectGraceSeconds), "paths.reconnectGraceSeconds", "must be 0-3600 seconds", paths.reconnectGraceSeconds)
        try check((0...86_400).contains(paths.retentionSeconds), "paths.retentionSeconds", "must be 0-86400 seconds", paths.retentionSeconds)
        try check(memory.trimIntervalSeconds == 0 || (1...3600).contains(memory.trimIntervalSeconds), "memory.trimIntervalSeconds",
                  "must be 0 (never) or 1-3600 seconds", memory.trimIntervalSeconds)
        try check((0...32_768).contains(memory.mapBlocksFromKiB), "memory.mapBlocksFromKiB",
                  "must be 0 (glibc's own threshold) or 1-32768 KiB", memory.mapBlocksFromKiB)
        try check((1...120).contains(points.startTimeoutSeconds), "points.startTimeoutSeconds", "must be 1-120 seconds", points.startTimeoutSeconds)
        try check((1...3600).contains(points.idleSeconds), "points.idleSeconds", "must be 1-3600 seconds", points.idleSeconds)
        try check((1...10_000).contains(points.maxActivePulls), "points.maxActivePulls", "must be 1-10000", points.maxActivePulls)
        try check((1...10_000).contains(points.maxPullsPerOrganisation), "points.maxPullsPerOrganisation", "must be 1-10000", points.maxPullsPerOrganisation)
        try check((1...1440).contains(recording.fileMinutes), "recording.fileMinutes", "must be 1-1440 minutes", recording.fileMinutes)
        try check((1...36_500).contains(recording.retentionDays), "recording.retentionDays", "must be 1-36500 days", recording.retentionDays)
        try check((1...36_500).contains(recording.incidentRetentionDays), "recording.incidentRetentionDays", "must be 1-36500 days", recording.incidentRetentionDays)
        try check((0...10_000_000).contains(recording.minFreeMiB), "recording.minFreeMiB", "must be 0-10000000 MiB", recording.minFreeMiB)
        try check((1...1440).contains(recording.maxPlaybackMinutes), "recording.maxPlaybackMinutes", "must be 1-1440 minutes", recording.maxPlaybackMinutes)
        try check((1...1440).contains(recording.maxExportMinutes), "recording.maxExportMinutes", "must be 1-1440 minutes", recording.maxExportMinutes)
        try check((1...8760).contains(recording.exportRetentionHours), "recording.exportRetentionHours", "must be 1-8760 hours", recording.exportRetentionHours)
        try check((1...4096).contains(recording.queueMiB), "recording.queueMiB", "must be 1-4096 MiB", recording.queueMiB)
        try check((1...16).contains(recording.writerThreads), "recording.writerThreads", "must be 1-16", recording.writerThreads)
        try check((10...86_400).contains(recording.retentionIntervalSeconds), "recording.retentionIntervalSeconds", "must be 10-86400 seconds",
                  recording.retentionIntervalSeconds)
        for (number, rule) in recording.rules.enumerated() {
            do {
                _ = try RecordingRule(match: rule.match, mode: RecordingMode(rawValue: rule.mode) ?? {
                    throw RecordingError(.invalidConfiguration, "mode \"\(rule.mode)\" is not always, session or never")
                }())
            } catch {
                throw RelayAppError(.configuration, "\(source): recording.rules[\(number)]: \(error)")
            }
        }
        let tiles = console.mapTilesUrl
        try check(tiles.isEmpty || ((tiles.hasPrefix("http://") || tiles.hasPrefix("https://") || tiles.hasPrefix("/"))
                                    && ["{z}", "{x}", "{y}"].allSatisfy(tiles.contains) && tiles.count <= 500),
                  "console.mapTilesUrl", "must be empty or an http(s) URL (or a path) with {z}, {x} and {y}", tiles)
        try check((0...600).contains(paths.backfillSeconds), "paths.backfillSeconds", "must be 0-600 seconds", paths.backfillSeconds)
    }

    static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }
}


/// A configuration file checked against the defaults while it is laid over them. YAMLDecoder ignores
/// keys it is not asked for, so every key of the file must be one the defaults have, and its value of
/// the kind (YAML tag) of the default. A missing key (or `key:`, `key: ~`) keeps its default, so the
/// structs' initial values are the only defaults and the structs need no decoding code. What
/// YAMLDecoder still refuses (a whole number too large) comes back in the same words: the dotted key,
/// what it takes, what the file had and on which line.
private struct ConfigurationFile {
    let source: String
    let defaults: Node

    struct KeyPath {
        var keys: [String]
        var isSection: Bool
        var name: String { keys.joined(separator: ".") }
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(_ name: String) { stringValue = name }
        init(_ index: Int) { stringValue = "\(index)"; intValue = index }
        init?(stringValue: String) { self.init(stringValue) }
        init?(intValue: Int) { self.init(intValue) }
    }

    func overlay(_ given: Node, on base: Node, at path: [any CodingKey], inList: Bool = false) throws(RelayAppError) -> Node {
        if !inList && given.null != nil { return base }
        switch base {
        case .mapping(let known):
            guard case .mapping(let mapping) = given else { throw mismatch(given, base, at: path) }
            var merged = known
            for (keyNode, value) in Self.pairs(of: mapping) {
                let key = keyNode.string ?? "\(keyNode)"
                guard let current = known[key] else { throw unknown(key, at: path, node: keyNode) }
                merged[key] = try overlay(value, on: current, at: path + [Key(key)])
            }
            return .mapping(merged)
        case .sequence(let known):
            guard case .sequence(let list) = given else { throw mismatch(given, base, at: path) }
            if let element = known.first {
                for (index, item) in list.enumerated() { _ = try overlay(item, on: element, at: path + [Key(index)], inList: true) }
            }
            return given
        case .scalar, .alias:
            // The kind is YAML's, as it was for the hand-written loader: YAMLDecoder alone would also
            // take `"9000"` or `!!str 9000` for a number, `0:30` for 30, `tRuE` for true and any
            // scalar's text for a string. A whole number serves for a number, and for a string as
            // written (a directory named 2024) except in a list (origins).
            let wanted = base.tagName, got = given.tagName
            guard got == wanted || got == .int && (wanted == .float || wanted == .str && !inList) else {
                throw mismatch(given, base, at: path)
            }
            return given
        }
    }

    /// A mapping's pairs with `<<: *anchor` merge keys applied as Yams.load applied them: merged
    /// pairs first, so the mapping's own keys (and, of several merged, the first) win; last wins.
    private static func pairs(of mapping: Node.Mapping) -> [(key: Node, value: Node)] {
        var merged: [(key: Node, value: Node)] = []
        var own: [(key: Node, value: Node)] = []
        for pair in mapping {
            guard pair.key.tagName == .merge else { own.append(pair); continue }
            switch pair.value {
            case .mapping(let base): merged += pairs(of: base)
            case .sequence(let bases): for case .mapping(let base) in bases.reversed() { merged += pairs(of: base) }
            default: break
            }
        }
        return merged + own
    }

    func refusal(_ error: DecodingError, in merged: Node) -> RelayAppError {
        let path: [any CodingKey]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        @unknown default: return refusal("\(error)", at: nil)
        }
        guard let given = Self.node(at: path, in: merged), let base = Self.node(at: path, in: defaults) else {
            return refusal("\(Self.dotted(path)) cannot be read: \(error)", at: nil)
        }
        return mismatch(given, base, at: path)
    }

    private func mismatch(_ given: Node, _ base: Node, at path: [any CodingKey]) -> RelayAppError {
        let name = path.isEmpty ? "the top level" : Self.dotted(path)
        return refusal("\(name) must be \(Self.expectation(base)) (got \(Self.shown(given)))", at: given)
    }

    private func unknown(_ key: String, at path: [any CodingKey], node: Node) -> RelayAppError {
        let prefix = path.map(\.stringValue)
        let paths = Self.keyPaths(of: defaults)
        let siblings = paths.filter { $0.keys.dropLast() == prefix[...] }.compactMap(\.keys.last)
        // The key in the wrong place (`port` at the top level, `tls` outside `http`), else a near one.
        var suggestions = paths.filter { $0.keys.last?.lowercased() == key.lowercased() }.map(\.name)
        if suggestions.isEmpty, let near = Self.nearest(key, among: siblings) {
            suggestions = [(prefix + [near]).joined(separator: ".")]
        }
        var message = "unknown key \((prefix + [key]).joined(separator: "."))"
        if let last = suggestions.popLast() {
            message += " (did you mean \(suggestions.isEmpty ? last : suggestions.joined(separator: ", ") + " or " + last)?)"
        }
        return refusal(message, at: node)
    }

    private func refusal(_ message: String, at node: Node?) -> RelayAppError {
        RelayAppError(.configuration, "\(source)\(node?.mark.map { ":\($0.line)" } ?? ""): \(message)")
    }

    static func keyPaths(of node: Node, under prefix: [String] = []) -> [KeyPath] {
        guard case .mapping(let mapping) = node else { return [] }
        return mapping.flatMap { key, value -> [KeyPath] in
            let keys = prefix + [key.string ?? ""]
            if case .mapping = value { return [KeyPath(keys: keys, isSection: true)] + keyPaths(of: value, under: keys) }
            return [KeyPath(keys: keys, isSection: false)]
        }
    }

    /// The node at a decoding path; in a list of the defaults, its first item stands for any.
    private static func node(at path: [any CodingKey], in root: Node) -> Node? {
        var node = root
        for key in path {
            if let index = key.intValue {
                guard let list = node.sequence, let item = list.indices.contains(index) ? list[index] : list.first else { return nil }
                node = item
            } else {
                guard let value = node.mapping?[key.stringValue] else { return nil }
                node = value
            }
        }
        return node
    }

    private static func dotted(_ path: [any CodingKey]) -> String {
        path.enumerated().map { offset, key in
            key.intValue.map { "[\($0)]" } ?? (offset == 0 ? "" : ".") + key.stringValue
        }.joined()
    }

    /// What a default's kind takes, in words.
    private static func expectation(_ node: Node, plural: Bool = false) -> String {
        switch node {
        case .mapping: return plural ? "mappings of keys" : "a mapping of keys"
        case .sequence(let list): return "a list" + (list.first.map { " of " + expectation($0, plural: true) } ?? "")
        case .scalar, .alias:
            switch node.tagName {
            case .int: return plural ? "whole numbers" : "a whole number"
            case .float: return plural ? "numbers" : "a number"
            case .bool: return plural ? "true or false values" : "true or false"
            default: return plural ? "strings" : "a string"
            }
        }
    }

    /// A value as the file wrote it, in flow style, cut short if long.
    private static func shown(_ node: Node) -> String {
        let text: String
        switch node {
        case .scalar(let scalar): text = scalar.style == .singleQuoted || scalar.style == .doubleQuoted ? "\"\(scalar.string)\"" : scalar.string
        case .sequence(let list): text = "[" + list.map(shown).joined(separator: ", ") + "]"
        case .mapping(let mapping): text = "{" + mapping.map { shown($0.key) + ": " + shown($0.value) }.joined(separator: ", ") + "}"
        case .alias: text = "*"
        }
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }

    /// The known key nearest to a mistyped one, if near enough to be what was meant.
    private static func nearest(_ key: String, among known: [String]) -> String? {
        let scored = known.map { (name: $0, distance: distance(key.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.distance < $1.distance }), best.distance <= max(1, key.count / 3) else { return nil }
        return best.name
    }

    /// Edit distance counting an adjacent transposition as one edit (optimal string alignment).
    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var d = (0...a.count).map { i in (0...b.count).map { j in i == 0 ? j : j == 0 ? i : 0 } }
        for i in 1...a.count {
            for j in 1...b.count {
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
}

private extension Node {
    /// The resolved tag (`Tag.name` itself is internal to Yams).
    var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }
}
