import Testing
@testable import SRTTransport

@Suite struct HandshakeThrottleTests {
    let second: Int64 = 1_000_000_000

    @Test("a caller trying keys for one stream id gets maxPerStream tries until they expire")
    func perStream() {
        var throttle = HandshakeThrottle(maxPerSource: 64, maxPerStream: 4, pendingLifetimeNanoseconds: 5 * second)
        for port in 1...4 {
            #expect(throttle.decide(peer: "10.0.0.9:\(port)", streamID: "room/1") == .admit)
            throttle.admitted(socket: Int32(port), peer: "10.0.0.9:\(port)", streamID: "room/1", now: 0)
        }
        #expect(throttle.decide(peer: "10.0.0.9:5", streamID: "room/1") == .tooManyForStream(pending: 4))
        // Another stream id from the same address, and the same stream id from another address, go on.
        #expect(throttle.decide(peer: "10.0.0.9:5", streamID: "room/2") == .admit)
        #expect(throttle.decide(peer: "10.0.0.10:5", streamID: "room/1") == .admit)
        // After the lifetime the failed ones no longer count, and are reported failed once each.
        #expect(throttle.expire(now: 5 * second) == 4)
        #expect(throttle.expire(now: 6 * second) == 0)
        #expect(throttle.pendingCount == 0)
        #expect(throttle.decide(peer: "10.0.0.9:5", streamID: "room/1") == .admit)
    }

    @Test("accepted handshakes stop counting at once; callers sharing one UDP port count apart")
    func acceptedAndShared() {
        var throttle = HandshakeThrottle(maxPerSource: 2, maxPerStream: 2)
        // Two callers multiplexed on one UDP port (as `fieldrelay loadgen` does): two handshakes.
        throttle.admitted(socket: 101, peer: "10.0.0.9:1", streamID: "room/1", now: 0)
        throttle.admitted(socket: 102, peer: "10.0.0.9:1", streamID: "room/1", now: 1)
        throttle.admitted(socket: 102, peer: "10.0.0.9:1", streamID: "room/1", now: 1)   // the same socket again
        #expect(throttle.pendingCount == 2)
        #expect(throttle.decide(peer: "10.0.0.9:1", streamID: "room/1") == .tooManyFromSource(pending: 2))
        throttle.accepted(socket: 101)
        throttle.accepted(socket: 101)   // twice: no underflow
        #expect(throttle.pendingCount == 1)
        // Only the one never accepted counts as failed.
        #expect(throttle.expire(now: 10_000_000_000) == 1)
        #expect(throttle.decide(peer: "10.0.0.9:3", streamID: "room/1") == .admit)
    }

    @Test("the cap per source covers many stream ids; cameras behind one address that complete are never held")
    func perSource() {
        var throttle = HandshakeThrottle(maxPerSource: 3, maxPerStream: 4)
        for index in 0..<3 { throttle.admitted(socket: Int32(index), peer: "192.0.2.1:\(index)", streamID: "room/\(index)", now: 0) }
        #expect(throttle.decide(peer: "192.0.2.1:9", streamID: "room/9") == .tooManyFromSource(pending: 3))
        // A thousand cameras behind one NAT, each completing its handshake, pass one after another.
        var throttle2 = HandshakeThrottle(maxPerSource: 3, maxPerStream: 4)
        for index in 0..<1000 {
            let peer = "192.0.2.1:\(10_000 + index)"
            #expect(throttle2.decide(peer: peer, streamID: "room/\(index)") == .admit)
            throttle2.admitted(socket: Int32(index), peer: peer, streamID: "room/\(index)", now: Int64(index))
            throttle2.accepted(socket: Int32(index))
        }
        #expect(throttle2.pendingCount == 0)
    }

    @Test("0 means no cap; expiry keeps only what is younger than the lifetime")
    func noCapAndPartialExpiry() {
        var throttle = HandshakeThrottle(maxPerSource: 0, maxPerStream: 0, pendingLifetimeNanoseconds: 10)
        for index in 0..<5000 {
            throttle.admitted(socket: Int32(index), peer: "198.51.100.7:\(index)", streamID: "room/1", now: Int64(index))
        }
        #expect(throttle.decide(peer: "198.51.100.7:99999", streamID: "room/1") == .admit)
        throttle.expire(now: 5000)   // entries admitted before 4991 are older than 10
        #expect(throttle.pendingCount == 9)
    }

    @Test("host of a peer text, IPv4 and IPv6")
    func hosts() {
        #expect(HandshakeThrottle.host(of: "10.1.2.3:9000") == "10.1.2.3")
        #expect(HandshakeThrottle.host(of: "[2001:db8::1]:9000") == "[2001:db8::1]")
        #expect(HandshakeThrottle.host(of: "?") == "?")
    }
}
