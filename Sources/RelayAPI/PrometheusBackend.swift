import CoreMetrics
import Prometheus
import Telemetry

/// The gateway's metrics backend: every metric declared through `MetricsRegistry` is made in one
/// swift-prometheus `PrometheusCollectorRegistry`, which `/metrics` renders (`emit(into:)`).
/// The application creates the registry and passes it in.
public struct PrometheusBackend: MetricsBackend {
    /// The Prometheus text exposition format, version 0.0.4.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    public func factory(help: String, buckets: [Double]) -> any MetricsFactory {
        DescribedFactory(registry: registry, help: help, buckets: buckets)
    }

    /// The text of every metric in the registry, after `metrics`' scrape hooks ran.
    public func render(_ metrics: MetricsRegistry) -> [UInt8] {
        metrics.scrape {
            var buffer: [UInt8] = []
            buffer.reserveCapacity(8192)
            registry.emit(into: &buffer)
            return buffer
        }
    }
}

/// A swift-metrics factory for one declaration: the registry, the metric's HELP text and, for a
/// histogram, its buckets. swift-prometheus' own `PrometheusMetricsFactory` registers every metric
/// with an empty HELP (and the registry refuses one name with two texts); its bucket tables are
/// set on the factory, away from the declaration.
private struct DescribedFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    let help: String
    let buckets: [Double]

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        // The whole name as `metricName`: the descriptor joins only its non-empty parts.
        MetricNameDescriptor(metricName: label, unitName: "", helpText: help)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        return registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions,
                                       buckets: buckets.map { .nanoseconds(Int64(($0 * 1e9).rounded())) })
    }

    func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}
