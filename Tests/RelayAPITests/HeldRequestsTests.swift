import Synchronization
import Testing
@testable import RelayAPI

@Suite("Held HLS requests are capped, and the refusals counted")
struct HeldRequestsTests {
    @Test("beyond the cap a request is refused with 503 at once; below it, it waits")
    func capped() async throws {
        let metrics = MetricsFixture()
        let counters = HTTPEdgeCounters(metrics: metrics.registry)
        let held = HeldRequests(limit: 2, counters: counters)
        let release = AsyncStream<Void>.makeStream()
        let entered = AsyncStream<Void>.makeStream()
        let waiting = Task {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await held.hold {
                            entered.continuation.yield()
                            for await _ in release.stream { break }
                            return true
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
        }
        var iterator = entered.stream.makeAsyncIterator()
        _ = await iterator.next()
        _ = await iterator.next()
        #expect(counters.heldRequests.load(ordering: .relaxed) == 2)
        await #expect(throws: APIError.self) {
            _ = try await held.hold { true }
        }
        #expect(metrics.sample("fieldrelay_http_requests_refused_total{reason=\"held_requests\"}") == 1)
        release.continuation.yield()
        release.continuation.yield()
        release.continuation.finish()
        #expect(try await waiting.value == 2)
        #expect(counters.heldRequests.load(ordering: .relaxed) == 0)
        #expect(try await held.hold { true })
    }

    @Test("the edge counters render as Prometheus families with their reasons")
    func families() {
        let metrics = MetricsFixture()
        let counters = HTTPEdgeCounters(metrics: metrics.registry)
        counters.headerTooLarge.increment(by: 3)
        counters.idleEvicted.add(2, ordering: .relaxed)
        let text = metrics.text()
        #expect(text.contains("fieldrelay_http_requests_refused_total{reason=\"header_too_large\"} 3"))
        #expect(text.contains("fieldrelay_http_connections_closed_total{reason=\"evicted_idle\"} 2"))
        #expect(text.contains("fieldrelay_http_connections_refused_total{reason=\"limit\"} 0"))
        #expect(text.contains("# TYPE fieldrelay_http_held_requests gauge"))
    }
}
