/// Where a path's publisher stands.
public enum PathStatus: String, Sendable, Equatable {
    /// A publisher is connected and media flows.
    case online
    /// A publisher is connected but has delivered no media for the stall timeout.
    case stalled
    /// The publisher left; the grace window is open for it to come back to the same playlist.
    case reconnecting
    /// No publisher, and the grace window has passed (or there never was one).
    case offline
}
