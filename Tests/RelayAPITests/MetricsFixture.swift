import Prometheus
import RelayAPI
import Telemetry

/// A registry of the test's own over a fresh swift-prometheus registry, rendered as /metrics is.
struct MetricsFixture {
    let backend = PrometheusBackend(registry: PrometheusCollectorRegistry())
    let registry: MetricsRegistry

    init() {
        registry = MetricsRegistry(backend: backend)
    }

    func render() -> [UInt8] { backend.render(registry) }

    func text() -> String { String(decoding: render(), as: UTF8.self) }

    /// The value of one sample line (name with labels exactly as rendered).
    func sample(_ sample: String) -> Double? {
        for line in text().split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1))
        }
        return nil
    }
}
