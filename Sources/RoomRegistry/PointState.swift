/// A point's pull state. The registry only knows `idle`; the on-demand puller (issue 15, part 2)
/// reports the others.
public enum PointState: String, Codable, Sendable, CaseIterable {
    case idle, starting, live, failing
}
