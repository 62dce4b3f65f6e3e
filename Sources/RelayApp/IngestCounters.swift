import Synchronization

/// Ingest totals since start, for /metrics.
public final class IngestCounters: Sendable {
    public let continuityErrors = Atomic<Int>(0)
    public let accessUnits = Atomic<Int>(0)
    /// Access units dropped because their DTS did not go forward (repeated or damaged by loss).
    public let staleUnitsDropped = Atomic<Int>(0)
    /// Publishers' timestamps that jumped inside a connection (a new timeline, marked as a discontinuity).
    public let timelineJumps = Atomic<Int>(0)
    public let garbageClosed = Atomic<Int>(0)
    public let publishersConnected = Atomic<Int>(0)
    public let readersConnected = Atomic<Int>(0)
    public let readersDropped = Atomic<Int>(0)
    /// SRT readers disconnected because the viewing rules stopped letting them see the path, or
    /// because the read key they connected with was rotated.
    public let readersRevoked = Atomic<Int>(0)

    public init() {}
}
