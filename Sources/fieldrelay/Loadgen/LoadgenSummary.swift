import Foundation

/// The end-of-run report.
struct LoadgenSummary: Codable, Sendable {
    var type = "summary"
    var streams: Int
    var seconds: Double
    var connected: Int
    /// Connections that never came up, by reason (`"1403"`, `"BADSECRET"`…).
    var rejected: Int
    var rejections: [String: Int]
    /// Connections that came up and later broke, by reason.
    var broken: Int
    var breaks: [String: Int]
    var messagesSent: Int
    var bytesSent: Int
    var packetsSent: Int64
    var packetsSentUnique: Int64
    var packetsLost: Int
    var packetsRetransmitted: Int
    var packetsDropped: Int
    var sendsDeferred: Int
    var averageMbps: Double
    var clipLoopSeconds: Double

    var text: String {
        func list(_ reasons: [String: Int]) -> String {
            reasons.isEmpty ? "" : "  (" + reasons.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")"
        }
        return """
        loadgen summary
          streams            \(streams)
          seconds            \(String(format: "%.1f", seconds))
          connected          \(connected)
          rejected           \(rejected)\(list(rejections))
          broken             \(broken)\(list(breaks))
          messages sent      \(messagesSent) (\(bytesSent) bytes, \(String(format: "%.1f", averageMbps)) Mbps average)
          packets sent       \(packetsSent) (unique \(packetsSentUnique))
          packets lost       \(packetsLost) (reported by the receiver)
          retransmitted      \(packetsRetransmitted)
          dropped too late   \(packetsDropped)
          sends deferred     \(sendsDeferred)
        """
    }
}
