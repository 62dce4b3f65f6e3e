// swift-tools-version:6.0
// The per-packet cost of a counter: a relaxed `Atomic<Int>` against swift-metrics' `Counter` backed
// by swift-prometheus (what /metrics uses), in tight loops. `swift run -c release` (see main.swift).
import PackageDescription

let package = Package(
    name: "MetricsCost",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .executableTarget(name: "MetricsCost", dependencies: [
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
    ]
)
