import Foundation
import Synchronization

/// SIGINT and SIGTERM end a load run early, still with a summary (benchmark scripts stop the load
/// generator with SIGTERM and read its totals). Owned by the command's run; only the flag is shared
/// with the signal handlers.
final class StopSignal {
    private final class Flag: Sendable {
        let raised = Atomic<Bool>(false)
    }

    private let flag = Flag()
    /// Kept: a dispatch source that is released stops delivering.
    private var sources: [any DispatchSourceSignal] = []

    init() {
        let flag = self.flag
        sources = [SIGINT, SIGTERM].map { number in
            // Ignored as a signal so that the dispatch source, not the default action, receives it.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { flag.raised.store(true, ordering: .relaxed) }
            source.resume()
            return source
        }
    }

    var requested: Bool { flag.raised.load(ordering: .relaxed) }
}
