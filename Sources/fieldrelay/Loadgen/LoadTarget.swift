/// Where one simulated publisher sends: its listener port, stream id and key.
struct LoadTarget: Sendable, Hashable {
    /// 0-based position among the streams of this run (ramp order).
    var order: Int
    /// The name a report uses: the path in the stream id, e.g. `lab/load-3` or `room/520602001201`.
    var label: String
    var streamID: String
    var passphrase: String?
    var port: Int
}
