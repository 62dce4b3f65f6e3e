import CoreMetrics
import MetricsTestKit
import Telemetry

/// Metrics recorded by swift-metrics' test kit, to read back what a packager counted.
struct RecordingBackend: MetricsBackend {
    let metrics: TestMetrics

    func factory(help: String, buckets: [Double]) -> any MetricsFactory { metrics }
}
