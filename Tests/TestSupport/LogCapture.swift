import Logging
import Synchronization

/// Keeps every line a gateway logs (give `logger` to `RunningGateway.start`), to check what the
/// log says, and what it must never say (a camera's password).
public final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    private let echo: Bool

    /// `echo`: also print each line (FIELDRELAY_TEST_LOG set shows them).
    public init(echo: Bool = false) {
        self.echo = echo
    }

    public var logger: Logger {
        Logger(label: "fieldrelay") { [self] label in Handler(capture: self, label: label) }
    }

    public var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
        if echo { print(line) }
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        let label: String
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider?

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var all = metadata
            if let extra = event.metadata { all.merge(extra) { $1 } }
            let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.append("\(event.level) \(label): \(event.message) \(rendered)")
        }
    }
}
