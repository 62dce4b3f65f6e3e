import CoreMetrics
import Synchronization

/// Where FieldRelay's metrics are declared: each one once, next to what it counts, with its
/// Prometheus name, HELP text and type (the method it is made with), as a swift-metrics object
/// (`Counter`, `FloatingPointCounter`, `Meter`, `Gauge`, `Recorder`). The objects come from the
/// backend the application passes in (RelayAPI's `PrometheusBackend`, over the swift-prometheus
/// `PrometheusCollectorRegistry` that `/metrics` renders); nothing here touches the global
/// `MetricsSystem`, so each gateway, and each test, has metrics of its own.
///
/// Counting goes straight to these objects, per packet too: a swift-prometheus counter's increment
/// is a relaxed atomic add behind one dynamic call, measured at the cost of a bare `Atomic<Int>`
/// (`scripts/bench/metrics-cost`). What stays an atomic is state other code reads to decide
/// (connections open, requests held) or reads in process: it is declared with
/// `gauge(_:help:labels:readAtScrape:)` or `counter(_:help:labels:readAtScrape:)`, and read before
/// each scrape; a counter so read is incremented by what its total grew by since the last scrape, so
/// it only grows. See `docs/architecture.md`, "Metrics".
public final class MetricsRegistry: Sendable {
    private let backend: any MetricsBackend
    /// Run before each scrape, in the order they were added.
    private let scrapeHooks = Mutex<[@Sendable () -> Void]>([])
    /// One scrape at a time, so two cannot add the same delta twice.
    private let scraping = Mutex<Void>(())

    public init(backend: any MetricsBackend) {
        self.backend = backend
    }

    /// Metrics that go nowhere (swift-metrics' no-op handler): for parts made without the
    /// application, such as in unit tests that do not look at their metrics.
    public convenience init() {
        self.init(backend: DiscardingBackend())
    }

    // MARK: - Declaring

    /// A counter: only grows (Prometheus `counter`).
    public func counter(_ name: String, help: String, labels: [(String, String)] = []) -> Counter {
        Counter(label: name, dimensions: labels, factory: backend.factory(help: help, buckets: []))
    }

    /// A counter of a fractional quantity, such as seconds (Prometheus `counter`).
    public func floatingPointCounter(_ name: String, help: String, labels: [(String, String)] = []) -> FloatingPointCounter {
        FloatingPointCounter(label: name, dimensions: labels, factory: backend.factory(help: help, buckets: []))
    }

    /// A value that goes up and down by steps (Prometheus `gauge`).
    public func meter(_ name: String, help: String, labels: [(String, String)] = []) -> Meter {
        Meter(label: name, dimensions: labels, factory: backend.factory(help: help, buckets: []))
    }

    /// A value set whole, for example at scrape time (Prometheus `gauge`).
    public func gauge(_ name: String, help: String, labels: [(String, String)] = []) -> Gauge {
        Gauge(label: name, dimensions: labels, factory: backend.factory(help: help, buckets: []))
    }

    /// A distribution over fixed upper bounds (Prometheus `histogram`: cumulative `_bucket{le}`s,
    /// `_sum` and `_count`).
    public func histogram(_ name: String, help: String, buckets: [Double]) -> Recorder {
        Recorder(label: name, dimensions: [], aggregate: true, factory: backend.factory(help: help, buckets: buckets))
    }

    /// A counter whose total is kept elsewhere (an atomic read in process): before each scrape the
    /// counter is incremented by what `total` grew by since the last one. `total` only grows.
    public func counter(_ name: String, help: String, labels: [(String, String)] = [],
                        readAtScrape total: @escaping @Sendable () -> Int) {
        let counter = counter(name, help: help, labels: labels)
        let counted = CountedTotal()
        onScrape {
            let grown = counted.advance(to: total())
            if grown > 0 { counter.increment(by: grown) }
        }
    }

    /// A gauge whose value is state kept elsewhere (an atomic other code reads to decide), set
    /// before each scrape.
    public func gauge(_ name: String, help: String, labels: [(String, String)] = [],
                      readAtScrape value: @escaping @Sendable () -> Int) {
        let gauge = gauge(name, help: help, labels: labels)
        onScrape { gauge.record(value()) }
    }

    /// Work to do before each scrape: gauges computed from live state, totals read from atomics.
    public func onScrape(_ hook: @escaping @Sendable () -> Void) {
        scrapeHooks.withLock { $0.append(hook) }
    }

    // MARK: - Scraping

    /// Runs the scrape hooks, then `render` (the backend's exposition), one scrape at a time.
    public func scrape<Result: Sendable>(_ render: () -> Result) -> Result {
        scraping.withLock { _ in
            for hook in scrapeHooks.withLock({ $0 }) { hook() }
            return render()
        }
    }
}

/// What makes the swift-metrics objects behind `MetricsRegistry`: a factory for a metric with this
/// HELP text and, for a histogram (`Recorder` with `aggregate`), these bucket upper bounds.
/// swift-metrics itself has no HELP text; a Prometheus backend needs one per name.
public protocol MetricsBackend: Sendable {
    func factory(help: String, buckets: [Double]) -> any MetricsFactory
}

/// How much of an atomic total has been added to its counter.
private final class CountedTotal: Sendable {
    private let counted = Mutex(0)

    /// What `total` grew by since the last call (0 if it did not grow), remembering it.
    func advance(to total: Int) -> Int {
        counted.withLock { counted in
            guard total > counted else { return 0 }
            defer { counted = total }
            return total - counted
        }
    }
}

/// swift-metrics' no-op handler.
struct DiscardingBackend: MetricsBackend {
    func factory(help: String, buckets: [Double]) -> any MetricsFactory { NOOPMetricsHandler.instance }
}
