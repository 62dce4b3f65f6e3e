/// A sending connection's figures from libsrt (`srt_bstats`). The receiving side's are in
/// `SRTLinkStatistics`; a sender's counters are different fields of the same libsrt structure.
public struct SRTSendStatistics: Sendable, Equatable {
    /// Data packets sent, retransmissions included (pktSentTotal).
    public var packetsSent: Int64
    /// Data packets the application handed over, sent once each (pktSentUniqueTotal).
    public var packetsSentUnique: Int64
    /// Packets the receiver reported lost with a NAK (pktSndLossTotal).
    public var packetsLost: Int
    /// Packets sent again (pktRetransTotal).
    public var packetsRetransmitted: Int
    /// Packets the sender dropped because they were too late to be of use (pktSndDropTotal).
    public var packetsDropped: Int
    /// Payload bytes sent, retransmissions included (byteSentTotal).
    public var bytesSent: UInt64
    public var rttMilliseconds: Double
    public var sendRateMbps: Double

    public init(packetsSent: Int64 = 0, packetsSentUnique: Int64 = 0, packetsLost: Int = 0, packetsRetransmitted: Int = 0,
                packetsDropped: Int = 0, bytesSent: UInt64 = 0, rttMilliseconds: Double = 0, sendRateMbps: Double = 0) {
        self.packetsSent = packetsSent
        self.packetsSentUnique = packetsSentUnique
        self.packetsLost = packetsLost
        self.packetsRetransmitted = packetsRetransmitted
        self.packetsDropped = packetsDropped
        self.bytesSent = bytesSent
        self.rttMilliseconds = rttMilliseconds
        self.sendRateMbps = sendRateMbps
    }

    /// Sums of the counters (rates and RTT are per connection and are not summed).
    public static func + (lhs: SRTSendStatistics, rhs: SRTSendStatistics) -> SRTSendStatistics {
        SRTSendStatistics(packetsSent: lhs.packetsSent + rhs.packetsSent,
                          packetsSentUnique: lhs.packetsSentUnique + rhs.packetsSentUnique,
                          packetsLost: lhs.packetsLost + rhs.packetsLost,
                          packetsRetransmitted: lhs.packetsRetransmitted + rhs.packetsRetransmitted,
                          packetsDropped: lhs.packetsDropped + rhs.packetsDropped,
                          bytesSent: lhs.bytesSent + rhs.bytesSent)
    }
}
