import Foundation

/// One line of the per-second report.
struct LoadgenTick: Codable, Sendable {
    var type = "tick"
    var second: Int
    var streams: Int
    var attempted: Int
    var connected: Int
    var rejected: Int
    var broken: Int
    /// Application payload sent in the last second, in megabits per second.
    var mbps: Double
    /// Retransmissions in the last second, and the run's total so far.
    var retransmitted: Int
    var retransmittedTotal: Int
    var lostTotal: Int
    /// The latest any message left after its due time in the last second: above a few
    /// milliseconds the load generator itself cannot keep up.
    var lagMs: Double

    var text: String {
        String(format: "%5ds  connected %d/%d  rejected %d  broken %d  sent %.1f Mbps  retrans %d (total %d)  lost %d  lag %.0f ms",
               second, connected, streams, rejected, broken, mbps, retransmitted, retransmittedTotal, lostTotal, lagMs)
    }
}
