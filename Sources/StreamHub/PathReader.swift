import MediaTypes

/// What a path tells its readers. Calls to one reader are serialised and in publication order, so a
/// reader sees one coherent timeline: live events under the path's lock, a joining reader's backfill
/// on the joining task, with the live events of that time queued behind it.
public enum PathEvent: Sendable {
    /// A publisher's tracks are known (first program map, or the program changed). `discontinuity`
    /// is true when what follows does not continue the previous timeline: a new publisher after
    /// another one, or a codec change.
    case tracks([Track], discontinuity: Bool)
    case accessUnit(AccessUnit)
    /// The publisher left (it may come back within the grace window).
    case publisherLeft
    /// The grace window passed without a publisher: the stream has ended.
    case ended
}

/// A consumer of a path's media (the HLS packager; later SRT readers and recorders). `handle` runs
/// on the publisher's receive loop and must not block: a reader with its own slow consumers queues
/// with a bound and drops, never holds the publisher up.
public protocol PathReader: AnyObject, Sendable {
    func handle(_ event: PathEvent)
    /// Whether the reader may be detached (a packager nobody has asked for in a while).
    func isIdle(now: ContinuousClock.Instant) -> Bool
}

extension PathReader {
    public func isIdle(now: ContinuousClock.Instant) -> Bool { false }
}
