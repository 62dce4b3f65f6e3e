import Foundation
import Synchronization

/// The source of "now" for the coordinator. Injected so that deadlines, overdue flags and event
/// times are testable; no logic in this module reads the system clock directly.
public protocol ReportingClock: Sendable {
    func now() -> Date
}

/// The wall clock.
public struct SystemReportingClock: ReportingClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that moves only when told, for tests and simulations.
public final class ManualReportingClock: ReportingClock {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {  // 2026-01-01T00:00:00Z
        current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    public func set(_ date: Date) {
        current.withLock { $0 = date }
    }
}
