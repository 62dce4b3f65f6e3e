import Foundation
import Testing
@testable import RoomRegistry

/// Timings for docs/performance.md; opt-in (`REGISTRY_BENCH=1 swift test -c release --filter Performance`)
/// because on a shared 2-core machine timings inside the normal suite mean little.
@Suite("Performance", .enabled(if: ProcessInfo.processInfo.environment["REGISTRY_BENCH"] == "1"))
struct PerformanceTests {
    private func percentiles(_ samples: [Double]) -> String {
        let sorted = samples.sorted()
        func p(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] * 1_000 }
        return String(format: "p50 %.3f ms, p99 %.3f ms, n=%d", p(0.5), p(0.99), sorted.count)
    }

    private func time(_ body: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    @Test("room list, area tree, status coalescing")
    func benchmark() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let registry = try Registry.open(directory: dir.url)
        let seed = try await time { try await registry.seedDemo() }
        print("seed demo registry: \(String(format: "%.1f", seed * 1_000)) ms")

        let counties = DemoRegistry.counties.map(\.code)
        for code in DemoRegistry.generate().rooms.map(\.code).prefix(600) {
            registry.status.update(path: "room/\(code)", status: .online)
        }
        var list: [Double] = []
        for i in 0..<500 {
            list.append(try await time { _ = try await registry.rooms(RoomQuery(county: counties[i % 10], limit: 50)) })
        }
        print("rooms?county=&limit=50: \(percentiles(list))")
        var search: [Double] = []
        for _ in 0..<200 {
            search.append(try await time { _ = try await registry.rooms(RoomQuery(status: .online, q: "村", limit: 50)) })
        }
        print("rooms?status=online&q=村: \(percentiles(search))")
        var tree: [Double] = []
        for _ in 0..<200 {
            tree.append(await time { _ = registry.areaTree() })
        }
        print("area tree (all levels, live counts): \(percentiles(tree))")
        var lookups: [Double] = []
        for i in 0..<10_000 {
            lookups.append(await time { _ = registry.admission.lookup(path: "room/5206020012\(String(format: "%02d", i % 10))") })
        }
        print("admission lookup: \(percentiles(lookups))")

        let paths = DemoRegistry.generate().rooms.map(\.sourcePath)
        var flushes: [Double] = []
        for second in 0..<10 {
            let at = Date().addingTimeInterval(Double(second))
            for path in paths {
                registry.status.update(path: path, status: second % 3 == 0 ? .online : .stalled,
                                       figures: LiveFigures(bitrate: 3_000_000, rttMs: 90, lossPercent: 1, retransmits: second), at: at)
            }
            flushes.append(try await time { try await registry.status.flush() })
        }
        print("flush of 2,911 changed sources: \(percentiles(flushes))")
    }
}
