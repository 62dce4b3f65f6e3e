import Foundation
import Testing
import Yams
@testable import RelayApp

@Suite("Configuration: YAML, defaults, refusals that name the key")
struct RelayConfigurationTests {
    static var referenceFile: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("configs/fieldrelay.yml").path
    }

    @Test("the annotated reference file parses to exactly the built-in defaults")
    func referenceMatchesDefaults() throws {
        let loaded = try RelayConfiguration.load(file: Self.referenceFile)
        #expect(loaded == RelayConfiguration())
    }

    @Test("an empty file is all defaults; given keys override")
    func overrides() throws {
        #expect(try RelayConfiguration.parse(yaml: "") == RelayConfiguration())
        let configuration = try RelayConfiguration.parse(yaml: """
        srt:
          port: 9500
          latencyMs: 1800
          publisherDelivery: on-arrival
        hls:
          segmentTargetSeconds: 1.5
        http:
          corsAllowedOrigins: ["https://hall.example"]
        """)
        #expect(configuration.srt.port == 9500)
        #expect(configuration.srt.latencyMs == 1800)
        #expect(configuration.srt.publisherDelivery == "on-arrival")
        #expect(configuration.srt.receiveBatchMs == 5)
        #expect(configuration.hls.segmentTargetSeconds == 1.5)
        #expect(configuration.http.corsAllowedOrigins == ["https://hall.example"])
        #expect(configuration.http.port == 8080)
    }

    @Test("bad values are refused with the dotted key name", arguments: [
        ("srt:\n  latncyMs: 100", "unknown key srt.latncyMs"),
        ("srtt: {}", "unknown key srtt"),
        ("srt:\n  port: 70000", "srt.port"),
        ("srt:\n  port: \"9000\"", "srt.port must be a whole number"),
        ("srt:\n  latencyMs: 5", "srt.latencyMs"),
        ("srt:\n  host: localhost", "srt.host"),
        ("hls:\n  windowSegments: 1", "hls.windowSegments"),
        ("hls: 3", "hls must be a mapping"),
        ("log:\n  level: loud", "log.level"),
        ("recording:\n  rules:\n    - {match: \"tv/*\", mode: always}", "recording.rules[0]"),
        ("recording:\n  rules:\n    - {match: \"cam/*\", mode: sometimes}", "recording.rules[0]"),
        ("recording:\n  rules:\n    - {match: \"cam/*\"}", "recording.rules"),
        ("recording:\n  fileMinutes: 0", "recording.fileMinutes"),
        ("recording:\n  minFreeMiB: -1", "recording.minFreeMiB"),
        ("http:\n  corsAllowedOrigins: [1, 2]", "http.corsAllowedOrigins"),
        ("srt:\n  openIngest: maybe", "srt.openIngest must be true or false"),
        ("srt:\n  publisherDelivery: later", "srt.publisherDelivery must be tsbpd or on-arrival"),
        ("srt:\n  receiveBatchMs: 100", "srt.receiveBatchMs"),
        ("- just\n- a list", "top level must be a mapping"),
        ("srt: [unclosed", "not valid YAML"),
        ("http:\n  maxConnections: 0", "http.maxConnections"),
        ("http:\n  idleTimeoutSeconds: 0.5", "http.idleTimeoutSeconds"),
        ("http:\n  bodyTimeoutSeconds: 7200", "http.bodyTimeoutSeconds"),
        ("http:\n  maxHeaderBytes: 100", "http.maxHeaderBytes"),
        ("http:\n  maxBodyBytes: 1000", "http.maxBodyBytes"),
        ("http:\n  maxHeldRequests: 0", "http.maxHeldRequests"),
        ("http:\n  maxHeldRequest: 5", "unknown key http.maxHeldRequest"),
    ])
    func refusals(yaml: String, expected: String) {
        do {
            _ = try RelayConfiguration.parse(yaml: yaml, source: "test.yml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.code == .configuration)
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test("the HTTP edge limits are read and handed to the edge guard")
    func edgeLimits() throws {
        let configuration = try RelayConfiguration.parse(yaml: """
        http:
          maxConnections: 500
          idleTimeoutSeconds: 2.5
          bodyTimeoutSeconds: 4
          maxHeaderBytes: 8192
          maxBodyBytes: 131072
          maxHeldRequests: 300
        """)
        let limits = configuration.http.edgeLimits
        #expect(limits.maxConnections == 500)
        #expect(limits.idleTimeout == .milliseconds(2500))
        #expect(limits.bodyTimeout == .seconds(4))
        #expect(limits.maxHeaderBytes == 8192)
        #expect(limits.maxBodyBytes == 131_072)
        #expect(configuration.http.maxHeldRequests == 300)
    }

    @Test("no value, or an empty section, keeps the defaults", arguments: [
        "# nothing but a comment", "~", "srt:", "srt: ~", "srt:\n  port:\n  latencyMs: ~", "http:\n  tls: {}",
    ])
    func nullKeepsDefaults(yaml: String) throws {
        #expect(try RelayConfiguration.parse(yaml: yaml) == RelayConfiguration())
    }

    @Test("refusals name the key, what it takes and where it is; a mistyped key gets a suggestion", arguments: [
        ("srt:\n  port: 9000\n  latncyMs: 100", "test.yml:3: unknown key srt.latncyMs (did you mean srt.latencyMs?)"),
        ("http:\n  maxConections: 5", "test.yml:2: unknown key http.maxConections (did you mean http.maxConnections?)"),
        ("http:\n  tls:\n    keyfile: a.pem", "test.yml:3: unknown key http.tls.keyfile (did you mean http.tls.keyFile?)"),
        ("srtt: {}", "test.yml:1: unknown key srtt (did you mean srt?)"),
        ("port: 9000", "test.yml:1: unknown key port (did you mean srt.port, http.port or http.tls.port?)"),
        ("tls:\n  port: 9443", "test.yml:1: unknown key tls (did you mean http.tls?)"),
        ("hls:\n  playlist: classic", "test.yml:2: unknown key hls.playlist"),
        ("srt:\n  port: \"9000\"", "test.yml:2: srt.port must be a whole number (got \"9000\")"),
        ("srt:\n  port: 9000.5", "test.yml:2: srt.port must be a whole number (got 9000.5)"),
        ("srt:\n  port: [9000]", "test.yml:2: srt.port must be a whole number (got [9000])"),
        ("srt:\n  port: !!str 9000", "test.yml:2: srt.port must be a whole number (got 9000)"),
        ("srt:\n  port: 99999999999999999999", "test.yml:2: srt.port must be a whole number (got 99999999999999999999)"),
        ("srt:\n  openIngest: tRuE", "test.yml:2: srt.openIngest must be true or false (got tRuE)"),
        ("hls:\n  segmentTargetSeconds: 0:30", "test.yml:2: hls.segmentTargetSeconds must be a number (got 0:30)"),
        ("hls:\n  segmentTargetSeconds: fast", "test.yml:2: hls.segmentTargetSeconds must be a number (got fast)"),
        ("srt:\n  openIngest: \"true\"", "test.yml:2: srt.openIngest must be true or false (got \"true\")"),
        ("srt:\n  host: [a, b]", "test.yml:2: srt.host must be a string (got [a, b])"),
        ("dataDirectory: {a: 1}", "test.yml:1: dataDirectory must be a string (got {a: 1})"),
        ("srt:\n  publicHost: yes", "test.yml:2: srt.publicHost must be a string (got yes)"),
        ("http:\n  corsAllowedOrigins: \"*\"", "test.yml:2: http.corsAllowedOrigins must be a list of strings (got \"*\")"),
        ("http:\n  corsAllowedOrigins: [a, 1]", "test.yml:2: http.corsAllowedOrigins[1] must be a string (got 1)"),
        ("http:\n  tls: on", "test.yml:2: http.tls must be a mapping of keys (got on)"),
        ("- just\n- a list", "test.yml:1: the top level must be a mapping of keys (got [just, a list])"),
        ("srt:\n  port: 70000", "test.yml: srt.port must be 0-65535 (got 70000)"),
        ("hls:\n  partTargetSeconds: 2\n  segmentTargetSeconds: 2",
         "test.yml: hls.partTargetSeconds must be 0.05-2 seconds and below hls.segmentTargetSeconds (got 2.0)"),
        ("http:\n  tls:\n    keyFile: key.pem", "test.yml: http.tls needs both certificateFile and keyFile, or neither (got certificateFile= keyFile=key.pem)"),
    ])
    func refusalMessages(yaml: String, expected: String) {
        do {
            _ = try RelayConfiguration.parse(yaml: yaml, source: "test.yml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.code == .configuration)
            #expect(error.message == expected)
        }
    }

    @Test("a duplicated key is refused, as YAML requires")
    func duplicateKey() {
        #expect(throws: RelayAppError.self) { try RelayConfiguration.parse(yaml: "srt:\n  port: 9100\n  port: 9200") }
    }

    @Test("merge keys and whole numbers given for strings and numbers read as before")
    func mergeKeysAndLooseScalars() throws {
        let configuration = try RelayConfiguration.parse(yaml: """
        dataDirectory: 2024
        srt: &edge
          host: 127.0.0.1
          maxConnections: 50
        http:
          <<: *edge
          maxConnections: 60
          firstSegmentWaitSeconds: 7
          idleTimeoutSeconds: 1_800
        """)
        #expect(configuration.dataDirectory == "2024", "a whole number for a string is taken as written")
        #expect(configuration.http.host == "127.0.0.1")
        #expect(configuration.http.maxConnections == 60)
        #expect(configuration.http.firstSegmentWaitSeconds == 7)
        #expect(configuration.http.idleTimeoutSeconds == 1800)
        // As written, not as the number YAML reads (the hand-written loader made this "8").
        #expect(try RelayConfiguration.parse(yaml: "dataDirectory: 010").dataDirectory == "010")
    }

    /// The reference file's keys as dotted names, with the YAML node of each leaf.
    static func referenceLeaves() throws -> [(keys: [String], node: Node)] {
        let text = try String(contentsOfFile: referenceFile, encoding: .utf8)
        func leaves(_ node: Node, _ prefix: [String]) -> [(keys: [String], node: Node)] {
            guard let mapping = node.mapping else { return [(prefix, node)] }
            return mapping.flatMap { key, value in leaves(value, prefix + [key.string ?? "?"]) }
        }
        return leaves(try #require(try Yams.compose(yaml: text)), [])
    }

    /// The stored properties of the configuration structs as dotted names, found by reflection.
    static func structLeaves(_ value: Any, _ prefix: [String] = []) -> [[String]] {
        Mirror(reflecting: value).children.flatMap { child -> [[String]] in
            let keys = prefix + [child.label ?? "?"]
            switch child.value {
            case is Int, is Double, is Bool, is String, is [String], is [RelayConfiguration.RecordingRuleSetting]: return [keys]
            default: return structLeaves(child.value, keys)
            }
        }
    }

    static func property(_ keys: [String], of value: Any) -> Any? {
        keys.reduce(Optional(value)) { value, key in
            value.flatMap { Mirror(reflecting: $0).children.first { $0.label == key }?.value }
        }
    }

    @Test("every key in the reference file is a key the loader knows and a property of the structs, and the other way round")
    func referenceListsEveryKey() throws {
        let reference = try Self.referenceLeaves().map { $0.keys.joined(separator: ".") }
        let known = try RelayConfiguration.knownKeys()
        let properties = Self.structLeaves(RelayConfiguration()).map { $0.joined(separator: ".") }
        #expect(Set(reference).subtracting(known).isEmpty, "in the reference file, unknown to the loader")
        #expect(Set(known).subtracting(reference).isEmpty, "known to the loader, missing from the reference file")
        #expect(Set(properties) == Set(known), "the loader's keys are the structs' stored properties")
        #expect(reference.count == Set(reference).count && known.count == Set(known).count)
        #expect(!known.isEmpty)
    }

    @Test("every key of the reference file, set to another value, lands in its property")
    func everyKeyRoundTrips() throws {
        let defaults = RelayConfiguration()
        var yaml = ""
        var expected: [(keys: [String], value: Any)] = []
        var section: [String] = []
        for (keys, _) in try Self.referenceLeaves() {
            // Open the sections this key is in (the reference file keeps each section together).
            let common = zip(section, keys.dropLast()).prefix { $0 == $1 }.count
            for (depth, name) in keys.dropLast().enumerated().dropFirst(common) {
                yaml += String(repeating: "  ", count: depth) + name + ":\n"
            }
            section = Array(keys.dropLast())
            let changed: (text: String, value: Any)
            switch try #require(Self.property(keys, of: defaults), "\(keys) is not a property") {
            case let number as Int: changed = ("\(number + 1)", number + 1)
            case let number as Double: changed = ("\(number + 0.25)", number + 0.25)
            case let flag as Bool: changed = ("\(!flag)", !flag)
            case is String: changed = ("changed-\(keys.joined(separator: "-"))", "changed-\(keys.joined(separator: "-"))")
            case is [String]: changed = ("[changed-\(keys.last!)]", ["changed-\(keys.last!)"])
            case is [RelayConfiguration.RecordingRuleSetting]:
                changed = ("[{match: \"room/*\", mode: always}]", [RelayConfiguration.RecordingRuleSetting(match: "room/*", mode: "always")])
            case let other: Issue.record("\(keys): no changed value for \(type(of: other))"); continue
            }
            yaml += String(repeating: "  ", count: keys.count - 1) + "\(keys.last!): \(changed.text)\n"
            expected.append((keys, changed.value))
        }
        // Range checks are not the point here (a changed host is no address): decode without them.
        let decoded = try RelayConfiguration.decode(yaml: yaml, source: "generated")
        for (keys, value) in expected {
            let landed = Self.property(keys, of: decoded)
            #expect("\(landed ?? "nil")" == "\(value)", "\(keys.joined(separator: "."))")
            #expect("\(landed ?? "nil")" != "\(Self.property(keys, of: defaults) ?? "nil")", "\(keys.joined(separator: ".")) kept its default")
        }
        let known = try RelayConfiguration.knownKeys()
        #expect(expected.count == known.count)
    }

    @Test("a missing file is a clear error")
    func missingFile() {
        #expect(throws: RelayAppError.self) { try RelayConfiguration.load(file: "/nonexistent/fieldrelay.yml") }
    }
}
