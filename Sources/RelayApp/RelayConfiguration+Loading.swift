import Foundation
import Logging
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
        let node: Any?
        do {
            node = try Yams.load(yaml: yaml)
        } catch {
            throw RelayAppError(.configuration, "\(source) is not valid YAML: \(error)")
        }
        var configuration = RelayConfiguration()
        guard let node else { return configuration }
        guard let root = node as? [String: Any] else {
            throw RelayAppError(.configuration, "\(source): the top level must be a mapping of keys")
        }
        var reader = KeyReader(source: source, prefix: "", values: root)
        configuration.dataDirectory = try reader.string("dataDirectory", default: configuration.dataDirectory)
        if var log = try reader.section("log") {
            configuration.log.level = try log.string("level", default: configuration.log.level)
            try log.finish()
        }
        if var srt = try reader.section("srt") {
            configuration.srt.host = try srt.string("host", default: configuration.srt.host)
            configuration.srt.port = try srt.int("port", default: configuration.srt.port)
            configuration.srt.latencyMs = try srt.int("latencyMs", default: configuration.srt.latencyMs)
            configuration.srt.peerIdleTimeoutMs = try srt.int("peerIdleTimeoutMs", default: configuration.srt.peerIdleTimeoutMs)
            configuration.srt.receiveLoops = try srt.int("receiveLoops", default: configuration.srt.receiveLoops)
            configuration.srt.publisherDelivery = try srt.string("publisherDelivery", default: configuration.srt.publisherDelivery)
            configuration.srt.receiveBatchMs = try srt.int("receiveBatchMs", default: configuration.srt.receiveBatchMs)
            configuration.srt.maxConnections = try srt.int("maxConnections", default: configuration.srt.maxConnections)
            configuration.srt.maxPendingHandshakesPerSource = try srt.int("maxPendingHandshakesPerSource",
                                                                          default: configuration.srt.maxPendingHandshakesPerSource)
            configuration.srt.maxPendingHandshakesPerStream = try srt.int("maxPendingHandshakesPerStream",
                                                                          default: configuration.srt.maxPendingHandshakesPerStream)
            configuration.srt.openIngest = try srt.bool("openIngest", default: configuration.srt.openIngest)
            configuration.srt.publicHost = try srt.string("publicHost", default: configuration.srt.publicHost)
            try srt.finish()
        }
        if var http = try reader.section("http") {
            configuration.http.host = try http.string("host", default: configuration.http.host)
            configuration.http.port = try http.int("port", default: configuration.http.port)
            configuration.http.corsAllowedOrigins = try http.strings("corsAllowedOrigins", default: configuration.http.corsAllowedOrigins)
            configuration.http.firstSegmentWaitSeconds = try http.double("firstSegmentWaitSeconds", default: configuration.http.firstSegmentWaitSeconds)
            configuration.http.maxConnections = try http.int("maxConnections", default: configuration.http.maxConnections)
            configuration.http.idleTimeoutSeconds = try http.double("idleTimeoutSeconds", default: configuration.http.idleTimeoutSeconds)
            configuration.http.bodyTimeoutSeconds = try http.double("bodyTimeoutSeconds", default: configuration.http.bodyTimeoutSeconds)
            configuration.http.maxHeaderBytes = try http.int("maxHeaderBytes", default: configuration.http.maxHeaderBytes)
            configuration.http.maxBodyBytes = try http.int("maxBodyBytes", default: configuration.http.maxBodyBytes)
            configuration.http.maxHeldRequests = try http.int("maxHeldRequests", default: configuration.http.maxHeldRequests)
            if var tls = try http.section("tls") {
                configuration.http.tls.certificateFile = try tls.string("certificateFile", default: configuration.http.tls.certificateFile)
                configuration.http.tls.keyFile = try tls.string("keyFile", default: configuration.http.tls.keyFile)
                configuration.http.tls.port = try tls.int("port", default: configuration.http.tls.port)
                try tls.finish()
            }
            try http.finish()
        }
        if var hls = try reader.section("hls") {
            configuration.hls.segmentTargetSeconds = try hls.double("segmentTargetSeconds", default: configuration.hls.segmentTargetSeconds)
            configuration.hls.windowSegments = try hls.int("windowSegments", default: configuration.hls.windowSegments)
            configuration.hls.retainedSegments = try hls.int("retainedSegments", default: configuration.hls.retainedSegments)
            configuration.hls.defaultPlaylist = try hls.string("defaultPlaylist", default: configuration.hls.defaultPlaylist)
            configuration.hls.partTargetSeconds = try hls.double("partTargetSeconds", default: configuration.hls.partTargetSeconds)
            configuration.hls.packagerIdleSeconds = try hls.double("packagerIdleSeconds", default: configuration.hls.packagerIdleSeconds)
            try hls.finish()
        }
        if var paths = try reader.section("paths") {
            configuration.paths.takeoverAfterMs = try paths.int("takeoverAfterMs", default: configuration.paths.takeoverAfterMs)
            configuration.paths.stallTimeoutSeconds = try paths.double("stallTimeoutSeconds", default: configuration.paths.stallTimeoutSeconds)
            configuration.paths.reconnectGraceSeconds = try paths.double("reconnectGraceSeconds", default: configuration.paths.reconnectGraceSeconds)
            configuration.paths.retentionSeconds = try paths.double("retentionSeconds", default: configuration.paths.retentionSeconds)
            configuration.paths.backfillSeconds = try paths.double("backfillSeconds", default: configuration.paths.backfillSeconds)
            try paths.finish()
        }
        if var memory = try reader.section("memory") {
            configuration.memory.trimIntervalSeconds = try memory.double("trimIntervalSeconds", default: configuration.memory.trimIntervalSeconds)
            configuration.memory.mapBlocksFromKiB = try memory.int("mapBlocksFromKiB", default: configuration.memory.mapBlocksFromKiB)
            try memory.finish()
        }
        try reader.finish()
        try configuration.validate(source: source)
        return configuration
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
        try check((0...600).contains(paths.backfillSeconds), "paths.backfillSeconds", "must be 0-600 seconds", paths.backfillSeconds)
    }

    static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }
}

/// Reads one mapping, remembering which keys were used so leftovers can be named as unknown.
private struct KeyReader {
    let source: String
    let prefix: String
    let values: [String: Any]
    var used: Set<String> = []

    init(source: String, prefix: String, values: [String: Any]) {
        self.source = source
        self.prefix = prefix
        self.values = values
    }

    private func name(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }

    private func fail(_ key: String, _ expected: String, _ value: Any) -> RelayAppError {
        RelayAppError(.configuration, "\(source): \(name(key)) must be \(expected) (got \(value))")
    }

    private mutating func value(_ key: String) -> Any? {
        used.insert(key)
        guard let value = values[key], !(value is NSNull) else { return nil }
        return value
    }

    mutating func string(_ key: String, default fallback: String) throws(RelayAppError) -> String {
        guard let value = value(key) else { return fallback }
        if let text = value as? String { return text }
        if let number = value as? Int { return String(number) }
        throw fail(key, "a string", value)
    }

    mutating func int(_ key: String, default fallback: Int) throws(RelayAppError) -> Int {
        guard let value = value(key) else { return fallback }
        if let number = value as? Int { return number }
        throw fail(key, "a whole number", value)
    }

    mutating func double(_ key: String, default fallback: Double) throws(RelayAppError) -> Double {
        guard let value = value(key) else { return fallback }
        if let number = value as? Double { return number }
        if let number = value as? Int { return Double(number) }
        throw fail(key, "a number", value)
    }

    mutating func bool(_ key: String, default fallback: Bool) throws(RelayAppError) -> Bool {
        guard let value = value(key) else { return fallback }
        if let flag = value as? Bool { return flag }
        throw fail(key, "true or false", value)
    }

    mutating func strings(_ key: String, default fallback: [String]) throws(RelayAppError) -> [String] {
        guard let value = value(key) else { return fallback }
        if let list = value as? [Any] {
            var result: [String] = []
            for item in list {
                guard let text = item as? String else { throw fail(key, "a list of strings", value) }
                result.append(text)
            }
            return result
        }
        throw fail(key, "a list of strings", value)
    }

    mutating func section(_ key: String) throws(RelayAppError) -> KeyReader? {
        guard let value = value(key) else { return nil }
        guard let mapping = value as? [String: Any] else { throw fail(key, "a mapping of keys", value) }
        return KeyReader(source: source, prefix: name(key), values: mapping)
    }

    func finish() throws(RelayAppError) {
        let unknown = Set(values.keys).subtracting(used).sorted()
        if let first = unknown.first {
            throw RelayAppError(.configuration, "\(source): unknown key \(name(first))")
        }
    }
}
