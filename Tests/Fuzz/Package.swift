// swift-tools-version:5.4
// The libFuzzer targets, one executable each, as a package of their own that depends on FieldRelay
// by path and links its modules as they are. Build it through scripts/faults/fuzz.sh, which passes
// the flags every module needs:
//   swift build -c release --package-path Tests/Fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
// -sanitize=fuzzer instruments every Swift module for coverage and links libFuzzer's main into the
// executables; -parse-as-library because they have no main of their own, only LLVMFuzzerTestOneInput.
// Tools version 5.4 on purpose: from 5.5 on SwiftPM links an executable with `--defsym
// main=<module>_main` (so tests can link executables), a symbol a module without a main never
// defines, and the link fails (swiftlang/swift-package-manager#8731). Below 5.5 libFuzzer's main is used.
// Corpora, dictionaries and regressions are beside this file; its .build/ stays out of git.
import PackageDescription

let package = Package(
    name: "FieldRelayFuzz",
    dependencies: [
        .package(name: "FieldRelay", path: "../.."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // The SRT stream id parser and the path-name rules it feeds.
        .executableTarget(name: "streamid", dependencies: [
            .product(name: "SRTTransport", package: "FieldRelay"),
            .product(name: "StreamHub", package: "FieldRelay"),
        ]),
        // The MPEG-TS demuxer.
        .executableTarget(name: "transportstream", dependencies: [
            .product(name: "MediaRemux", package: "FieldRelay"),
        ]),
        // The whole intake: demuxer, libavcodec's parsers, the two muxers.
        .executableTarget(name: "intake", dependencies: [
            .product(name: "MediaRemux", package: "FieldRelay"),
            .product(name: "MediaTypes", package: "FieldRelay"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // HLS request names and directives, looked up in real packagers.
        .executableTarget(name: "hlsquery", dependencies: [
            .product(name: "RelayRequests", package: "FieldRelay"),
            .product(name: "HLSPackager", package: "FieldRelay"),
            .product(name: "StreamHub", package: "FieldRelay"),
            .product(name: "MediaRemux", package: "FieldRelay"),
            .product(name: "MediaTypes", package: "FieldRelay"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The API's JSON request bodies and the session state machine behind them.
        .executableTarget(name: "jsonbody", dependencies: [
            .product(name: "RelayRequests", package: "FieldRelay"),
            .product(name: "JointReporting", package: "FieldRelay"),
            .product(name: "PathRules", package: "FieldRelay"),
        ]),
    ]
)
