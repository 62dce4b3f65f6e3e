import Synchronization

/// The numbering of a path's segments, owned by the path so it survives a packager restart: media
/// sequence numbers never go back (RFC 8216 6.2.1) and the discontinuity sequence stays right.
public struct SequenceCounters: Sendable, Equatable {
    /// The media sequence number the next segment gets.
    public var nextMediaSequence: Int = 0
    /// EXT-X-DISCONTINUITY-SEQUENCE of the oldest segment still in the window.
    public var discontinuitySequence: Int = 0

    public init() {}
}

/// One packager kind's `SequenceCounters` on one path, shared by reference: the path hands it to
/// each packager it starts, so a packager never reaches back into its path for its numbering.
public final class SharedSequenceCounters: Sendable {
    private let counters = Mutex(SequenceCounters())

    public init() {}

    public func withLock<Result>(_ body: (inout SequenceCounters) -> Result) -> Result {
        counters.withLock { body(&$0) }
    }

    public var value: SequenceCounters { counters.withLock { $0 } }
}
