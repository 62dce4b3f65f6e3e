import Foundation
import Testing
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

    @Test("a missing file is a clear error")
    func missingFile() {
        #expect(throws: RelayAppError.self) { try RelayConfiguration.load(file: "/nonexistent/fieldrelay.yml") }
    }
}
