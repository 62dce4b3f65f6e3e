/// Live state of a video source as the ingest layer sees it.
public enum SourceStatus: String, Codable, Sendable, CaseIterable {
    /// Connected and media is arriving.
    case online
    /// The connection dropped and the source is expected back (the feed continues when it returns).
    case reconnecting
    /// Connected but no media for a while (a half-dead link).
    case stalled
    /// Not connected.
    case offline
}
