/// The RTSP transport the gateway asks the camera for: RTP interleaved over the RTSP TCP
/// connection (the default: it crosses NAT and firewalls) or RTP over UDP.
public enum PointTransport: String, Codable, Sendable, CaseIterable {
    case tcp, udp

    static var names: String { allCases.map(\.rawValue).joined(separator: " or ") }
}
