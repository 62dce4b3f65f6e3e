// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "FieldRelay",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fieldrelay", targets: ["fieldrelay"]),
        // The modules the libFuzzer targets exercise, for the fuzz package in Tests/Fuzz: a package
        // of its own (built with the sanitizer flags, see scripts/faults/fuzz.sh), which can depend on
        // products only. Not a promise of a stable library API.
        .library(name: "PathRules", targets: ["PathRules"]),
        .library(name: "MediaTypes", targets: ["MediaTypes"]),
        .library(name: "MediaRemux", targets: ["MediaRemux"]),
        .library(name: "SRTTransport", targets: ["SRTTransport"]),
        .library(name: "StreamHub", targets: ["StreamHub"]),
        .library(name: "HLSPackager", targets: ["HLSPackager"]),
        .library(name: "JointReporting", targets: ["JointReporting"]),
        .library(name: "RelayRequests", targets: ["RelayRequests"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System-library shims. Only SRTTransport imports CSRT and only MediaRemux imports CFFmpeg.
        // libsrt: the GnuTLS build, the one Debian's libavformat links (see docs/architecture.md).
        .systemLibrary(name: "CSRT", pkgConfig: "srt", providers: [.apt(["libsrt-gnutls-dev"])]),
        .systemLibrary(name: "CFFmpeg", providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev"])]),

        .target(name: "MediaTypes"),
        // The one rule for path and identifier syntax and for jurisdiction (pure, no dependencies).
        .target(name: "PathRules"),
        // The one way a metric is declared: a swift-metrics object with its HELP text, made by the
        // backend the application passes in (swift-metrics' API only; Prometheus is RelayAPI's).
        .target(name: "Telemetry", dependencies: [
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        .target(name: "SRTTransport", dependencies: [
            "CSRT", "Telemetry",
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "MediaRemux", dependencies: [
            "CFFmpeg", "MediaTypes",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "StreamHub", dependencies: [
            "MediaTypes", "PathRules",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The only importer of GRDB: areas, organisations, rooms, devices, keys, live status, points;
        // swift-crypto for the points' credentials (AES-GCM under <data>/points.key).
        .target(name: "RoomRegistry", dependencies: [
            "PathRules",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Joint reporting's pure domain (no GRDB, FFmpeg or HTTP); swift-crypto for the HMAC chain.
        .target(name: "JointReporting", dependencies: [
            "PathRules",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Key material derived, not stored: viewer tokens, SRT read keys, organisation token secrets and hashes.
        .target(name: "AccessKeys", dependencies: [
            "JointReporting",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Joint reporting's storage beside the registry's: the record, its key and checkpoint, org tokens.
        .target(name: "ReportingStore", dependencies: [
            "JointReporting", "AccessKeys",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "HLSPackager", dependencies: [
            "MediaRemux", "StreamHub", "MediaTypes", "Telemetry",
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // What HTTP requests name and carry, parsed without HTTP types (HLS request names and
        // directives, JSON bodies): RelayAPI's, and the fuzzers' without Hummingbird and the rest.
        // Evidence keys, seals, export packages and their verification: Foundation and swift-crypto
        // only, so `fieldrelay evidence verify` needs no server, database or FFmpeg (issue 14).
        .target(name: "Evidence", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "Recording", dependencies: [
            "Evidence", "MediaRemux", "MediaTypes", "StreamHub", "PathRules",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "RecordingStore", dependencies: [
            "Recording", "JointReporting",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .target(name: "RelayRequests", dependencies: ["StreamHub"]),
        .target(name: "RelayAPI", dependencies: [
            "RelayRequests", "StreamHub", "HLSPackager", "SRTTransport", "MediaRemux", "MediaTypes", "PathRules", "RoomRegistry", "JointReporting", "ReportingStore", "AccessKeys", "Telemetry", "Recording", "Evidence",
            .product(name: "CoreMetrics", package: "swift-metrics"),
            // /metrics: the registry the metrics are made in, rendered (PrometheusBackend).
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ], resources: [
            .copy("Console"),  // the web console's HTML, CSS and JavaScript (issue 6)
            .copy("OpenAPI/openapi.yaml"),  // the API's description, served at /api/v1/openapi.yaml (issue 22)
        ]),
        .target(name: "RelayApp", dependencies: [
            "RelayAPI", "StreamHub", "HLSPackager", "SRTTransport", "MediaRemux", "MediaTypes", "PathRules", "RoomRegistry", "JointReporting", "ReportingStore", "AccessKeys", "Telemetry", "Recording", "RecordingStore",
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Yams", package: "Yams"),
            // HTTP/2 over TLS for video walls (16 held requests at once; browsers allow 6 HTTP/1.1 connections).
            .product(name: "HummingbirdHTTP2", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .executableTarget(name: "fieldrelay", dependencies: [
            "RelayApp", "RoomRegistry", "JointReporting", "ReportingStore", "AccessKeys", "SRTTransport", "Recording", "RecordingStore", "Evidence",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Shared by the test targets: clips made with the real ffmpeg, processes, HTTP, a running gateway.
        .target(name: "TestSupport", dependencies: [
            "RelayApp",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/TestSupport", exclude: ["rtsp_server.py"]),

        .testTarget(name: "MediaTypesTests", dependencies: ["MediaTypes"]),
        .testTarget(name: "PathRulesTests", dependencies: ["PathRules"]),
        .testTarget(name: "SRTTransportTests", dependencies: ["SRTTransport"]),
        .testTarget(name: "MediaRemuxTests", dependencies: ["MediaRemux", "MediaTypes", "TestSupport"]),
        .testTarget(name: "StreamHubTests", dependencies: ["StreamHub", "MediaTypes"]),
        .testTarget(name: "HLSPackagerTests", dependencies: [
            "HLSPackager", "StreamHub", "MediaTypes", "MediaRemux", "TestSupport", "Telemetry",
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "MetricsTestKit", package: "swift-metrics"),
        ]),
        .testTarget(name: "EvidenceTests", dependencies: ["Evidence", "TestSupport"]),
        .testTarget(name: "RelayRequestsTests", dependencies: ["RelayRequests"]),
        // GRDB here only lets the tests edit the index and the ledger as an attacker with the file would.
        .testTarget(name: "RecordingTests", dependencies: [
            "Evidence", "Recording", "RecordingStore", "MediaRemux", "MediaTypes", "StreamHub", "TestSupport",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "RelayAPITests", dependencies: [
            "RelayAPI", "StreamHub", "HLSPackager", "MediaTypes", "RoomRegistry", "JointReporting", "ReportingStore", "AccessKeys", "Telemetry",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            // Yams here only lets OpenAPIRoutesTests read docs/openapi.yaml's paths.
            .product(name: "Yams", package: "Yams"),
        ]),
        // Yams here only lets the tests walk the reference file's keys.
        // TestSupport: the metrics exposition test runs a real gateway (ffmpeg as the camera).
        .testTarget(name: "RelayAppTests", dependencies: ["RelayApp", "TestSupport", .product(name: "Yams", package: "Yams")]),
        // GRDB here only lets the tests inspect and lock the database file directly.
        .testTarget(name: "RoomRegistryTests", dependencies: ["RoomRegistry", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "JointReportingTests", dependencies: ["JointReporting"]),
        .testTarget(name: "ReportingStoreTests", dependencies: ["ReportingStore", "JointReporting", "AccessKeys", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "RelayApp", "TestSupport", "StreamHub", "JointReporting", "ReportingStore", "AccessKeys", "SRTTransport", "PathRules", "Recording", "RecordingStore", "Evidence",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
    ]
)
