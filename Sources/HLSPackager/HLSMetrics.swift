import Synchronization

/// Packaging totals across all paths, for /metrics (packagers come and go on demand; these stay).
public final class HLSMetrics: Sendable {
    public let segments = Atomic<Int>(0)
    public let parts = Atomic<Int>(0)
    public let oversizedSegments = Atomic<Int>(0)
    public let muxErrors = Atomic<Int>(0)
    public let packagersStarted = Atomic<Int>(0)
    /// Time from the arrival of a part's last access unit to the part's availability in the
    /// playlist (`fieldrelay_hls_part_latency_seconds`).
    public let partLatency = Histogram(bounds: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1])

    public init() {}
}

/// A fixed-bucket histogram (Prometheus semantics: cumulative buckets, sum and count).
public final class Histogram: Sendable {
    public let bounds: [Double]
    private let state: Mutex<(buckets: [Int], sum: Double, count: Int)>

    public init(bounds: [Double]) {
        self.bounds = bounds
        state = Mutex((Array(repeating: 0, count: bounds.count), 0, 0))
    }

    public func observe(_ value: Double) {
        state.withLock { state in
            for (index, bound) in bounds.enumerated() where value <= bound {
                state.buckets[index] += 1
            }
            state.sum += value
            state.count += 1
        }
    }

    /// Cumulative counts per bound, the sum and the count.
    public func snapshot() -> (buckets: [(Double, Int)], sum: Double, count: Int) {
        state.withLock { state in (Array(zip(bounds, state.buckets)), state.sum, state.count) }
    }
}
