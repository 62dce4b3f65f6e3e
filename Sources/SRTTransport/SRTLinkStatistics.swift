/// A connection's link figures from libsrt's statistics (`srt_bstats`).
public struct SRTLinkStatistics: Sendable, Equatable {
    public var rttMilliseconds: Double
    public var receiveRateMbps: Double
    public var bytesReceived: UInt64
    public var packetsReceived: Int64
    public var packetsLost: Int
    public var packetsRetransmitted: Int
    public var packetsDropped: Int
    public var packetsUndecrypted: Int

    public init(rttMilliseconds: Double = 0, receiveRateMbps: Double = 0, bytesReceived: UInt64 = 0,
                packetsReceived: Int64 = 0, packetsLost: Int = 0, packetsRetransmitted: Int = 0,
                packetsDropped: Int = 0, packetsUndecrypted: Int = 0) {
        self.rttMilliseconds = rttMilliseconds
        self.receiveRateMbps = receiveRateMbps
        self.bytesReceived = bytesReceived
        self.packetsReceived = packetsReceived
        self.packetsLost = packetsLost
        self.packetsRetransmitted = packetsRetransmitted
        self.packetsDropped = packetsDropped
        self.packetsUndecrypted = packetsUndecrypted
    }

    /// Lost packets as a share of all packets received or lost, in percent.
    public var lossPercent: Double {
        let total = Double(packetsReceived) + Double(packetsLost)
        return total > 0 ? Double(packetsLost) * 100 / total : 0
    }
}
