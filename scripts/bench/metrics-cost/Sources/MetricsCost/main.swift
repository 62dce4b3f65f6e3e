// What one count costs on the per-packet path, in nanoseconds per operation, on this machine:
//
//   atomic       Atomic<Int>.add(_, ordering: .relaxed) on a final class's property (SRTServerCounters today)
//   metrics      swift-metrics Counter.increment(by:) made by a factory over a PrometheusCollectorRegistry
//                (an existential call into swift-prometheus' Counter: a precondition, then a relaxed add)
//   prometheus   swift-prometheus Counter.increment(by:) called directly (no swift-metrics wrapper)
//   histogram    swift-metrics Recorder (aggregating) over swift-prometheus' ValueHistogram (a lock per record),
//                against the gateway's former hand-written Mutex histogram, for scale (per part, not per packet)
//
// Each figure is the median of --rounds rounds of --iterations operations (defaults 7 and 50,000,000),
// single-threaded and then with two threads counting on the same counter (the receive loops share one).
//
//   cd scripts/bench/metrics-cost && swift run -c release MetricsCost [--iterations N] [--rounds N]
//   perf stat -e instructions,cycles .build/release/MetricsCost --only atomic|metrics|prometheus   (one loop, for counts)
import CoreMetrics
import Dispatch
import Foundation
import Prometheus
import Synchronization

final class Totals: Sendable {
    let bytes = Atomic<Int>(0)
}

/// The gateway's former `Histogram` (HLSPackager/HLSMetrics.swift before swift-prometheus).
final class MutexHistogram: Sendable {
    let bounds: [Double]
    private let state: Mutex<(buckets: [Int], sum: Double, count: Int)>
    init(bounds: [Double]) {
        self.bounds = bounds
        state = Mutex((Array(repeating: 0, count: bounds.count), 0, 0))
    }
    func observe(_ value: Double) {
        state.withLock { state in
            for (index, bound) in bounds.enumerated() where value <= bound { state.buckets[index] += 1 }
            state.sum += value
            state.count += 1
        }
    }
    var count: Int { state.withLock { $0.count } }
}

struct Options {
    var iterations = 50_000_000
    var rounds = 7
    /// Run one loop only, once, single-threaded (for `perf stat`): atomic, metrics or prometheus.
    var only: String?

    init(_ arguments: [String]) {
        var arguments = arguments.makeIterator()
        while let argument = arguments.next() {
            switch argument {
            case "--iterations": iterations = Int(arguments.next() ?? "") ?? iterations
            case "--rounds": rounds = Int(arguments.next() ?? "") ?? rounds
            case "--only": only = arguments.next()
            default: fatalError("usage: MetricsCost [--iterations N] [--rounds N] [--only atomic|metrics|prometheus]")
            }
        }
    }
}

/// Keeps the loop's amount opaque to the optimizer (a packet's size is not a constant).
@inline(never) func amount() -> Int { 1316 }

/// Nanoseconds per operation of `body(iterations)` run on `threads` threads at once: the median of
/// `rounds` rounds, wall time over one thread's operations.
func measure(_ options: Options, iterations: Int? = nil, threads: Int, _ body: @escaping @Sendable (Int) -> Void) -> Double {
    let count = iterations ?? options.iterations
    var samples: [Double] = []
    for _ in 0..<options.rounds {
        let start = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: threads) { _ in body(count) }
        let elapsed = ContinuousClock.now - start
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        samples.append(nanoseconds / Double(count))
    }
    return samples.sorted()[samples.count / 2]
}

func fmt(_ value: Double) -> String {
    String(format: "%.2f", value)
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let registry = PrometheusCollectorRegistry()
let factory = PrometheusMetricsFactory(registry: registry)
let totals = Totals()
let counter = CoreMetrics.Counter(label: "bench_bytes_total", dimensions: [], factory: factory)
let direct = registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "bench_direct_bytes", unitName: "total", helpText: "bench"))
let bounds = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]
var histogramFactory = PrometheusMetricsFactory(registry: registry)
histogramFactory.valueHistogramBuckets["bench_latency_seconds"] = bounds
let recorder = Recorder(label: "bench_latency_seconds", dimensions: [], aggregate: true, factory: histogramFactory)
let mutexHistogram = MutexHistogram(bounds: bounds)

if let only = options.only {
    let count = options.iterations
    switch only {
    case "atomic": for _ in 0..<count { totals.bytes.add(amount(), ordering: .relaxed) }
    case "metrics": for _ in 0..<count { counter.increment(by: amount()) }
    case "prometheus": for _ in 0..<count { direct.increment(by: Int64(amount())) }
    default: fatalError("--only atomic|metrics|prometheus")
    }
    print("\(only): \(count) operations; check \(totals.bytes.load(ordering: .relaxed)) \(registry.emitToBuffer().count)")
    exit(0)
}

print("\(options.iterations) operations per thread and round, median of \(options.rounds) rounds; ns per operation")
print("threads  atomic  metrics  prometheus  metrics/atomic")
for threads in [1, 2] {
    let atomic = measure(options, threads: threads) { count in
        for _ in 0..<count { totals.bytes.add(amount(), ordering: .relaxed) }
    }
    let metrics = measure(options, threads: threads) { count in
        for _ in 0..<count { counter.increment(by: amount()) }
    }
    let prometheus = measure(options, threads: threads) { count in
        for _ in 0..<count { direct.increment(by: Int64(amount())) }
    }
    print("\(threads)        \(fmt(atomic))    \(fmt(metrics))     \(fmt(prometheus))        \(fmt(metrics / atomic))x")
}
let histogramIterations = max(1, options.iterations / 10)
let recorded = measure(options, iterations: histogramIterations, threads: 1) { count in
    for index in 0..<count { recorder.record(Double(index & 1023) / 1e6) }
}
let observed = measure(options, iterations: histogramIterations, threads: 1) { count in
    for index in 0..<count { mutexHistogram.observe(Double(index & 1023) / 1e6) }
}
print("histogram, 1 thread: swift-metrics Recorder over swift-prometheus \(fmt(recorded)), former Mutex histogram \(fmt(observed))")
// Read everything back so nothing above is dead code.
let text = String(decoding: registry.emitToBuffer(), as: UTF8.self)
print("check: atomic total \(totals.bytes.load(ordering: .relaxed)), histogram count \(mutexHistogram.count), registry text \(text.utf8.count) bytes")
