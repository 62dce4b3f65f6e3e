/// Handshakes admitted by the listen callback that have not reached `srt_accept` yet, per source
/// address and per source address and stream id, with caps on both.
///
/// libsrt builds a whole socket (receive and send buffers, loss lists: a few hundred KB) for every
/// handshake the listen callback admits, before it checks the passphrase. A wrong key fails there,
/// unseen by the listener, and the socket lingers until libsrt's collector frees it. A caller that
/// tries keys by the thousand would so make the gateway hold hundreds of megabytes. A legitimate
/// caller's handshake reaches accept within a round trip, so it is pending only for that long; a
/// wrong-key handshake is pending until `pendingLifetime` passes. Capping pending handshakes per
/// source and stream id therefore slows key guessing to a few tries per lifetime, and the cap per
/// source bounds what one address can hold over many stream ids, while cameras behind one address
/// (a carrier's NAT) connect as before.
///
/// Not thread-safe: the server keeps it under a lock.
struct HandshakeThrottle {
    enum Decision: Equatable {
        case admit
        /// Too many pending from this address (all stream ids).
        case tooManyFromSource(pending: Int)
        /// Too many pending from this address for this stream id.
        case tooManyForStream(pending: Int)
    }

    /// 0: no cap.
    let maxPerSource: Int
    /// 0: no cap.
    let maxPerStream: Int
    /// How long an admitted handshake that never reached accept counts (nanoseconds).
    let pendingLifetime: Int64

    private struct Pending {
        let host: String
        let streamID: String
        let since: Int64
    }

    private struct StreamKey: Hashable {
        let host: String
        let streamID: String
    }

    /// By the id of the socket libsrt made for the handshake (the one `srt_accept` returns later).
    /// Not by the caller's address and port: callers multiplexed on one UDP port share those.
    private var pending: [Int32: Pending] = [:]
    private var perSource: [String: Int] = [:]
    private var perStream: [StreamKey: Int] = [:]
    /// Callers in admission order, for expiry; entries already accepted are skipped when reached.
    private var order: [(socket: Int32, since: Int64)] = []
    private var orderHead = 0

    init(maxPerSource: Int, maxPerStream: Int, pendingLifetimeNanoseconds: Int64 = 5_000_000_000) {
        self.maxPerSource = maxPerSource
        self.maxPerStream = maxPerStream
        self.pendingLifetime = pendingLifetimeNanoseconds
    }

    var pendingCount: Int { pending.count }

    /// Whether a handshake from `peer` ("host:port") for `streamID` may go on to the admission rules.
    func decide(peer: String, streamID: String) -> Decision {
        let host = Self.host(of: peer)
        let fromSource = perSource[host, default: 0]
        if maxPerSource > 0, fromSource >= maxPerSource { return .tooManyFromSource(pending: fromSource) }
        let forStream = perStream[StreamKey(host: host, streamID: streamID), default: 0]
        if maxPerStream > 0, forStream >= maxPerStream { return .tooManyForStream(pending: forStream) }
        return .admit
    }

    /// Expires handshakes older than the lifetime: call before `decide`. Returns how many expired
    /// without reaching accept: handshakes that failed inside libsrt (a wrong passphrase, a caller
    /// that gave up).
    @discardableResult
    mutating func expire(now: Int64) -> Int {
        var failed = 0
        while orderHead < order.count, now - order[orderHead].since >= pendingLifetime {
            let (socket, since) = order[orderHead]
            orderHead += 1
            if let entry = pending[socket], entry.since == since {
                remove(socket)
                failed += 1
            }
        }
        if orderHead > 1024, orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
        }
        return failed
    }

    /// The admission rules let the handshake through; it is pending until accepted or expired.
    mutating func admitted(socket: Int32, peer: String, streamID: String, now: Int64) {
        guard pending[socket] == nil else { return }
        let host = Self.host(of: peer)
        pending[socket] = Pending(host: host, streamID: streamID, since: now)
        perSource[host, default: 0] += 1
        perStream[StreamKey(host: host, streamID: streamID), default: 0] += 1
        order.append((socket, now))
    }

    /// The handshake's socket reached accept.
    mutating func accepted(socket: Int32) {
        remove(socket)
    }

    private mutating func remove(_ socket: Int32) {
        guard let entry = pending.removeValue(forKey: socket) else { return }
        Self.decrement(&perSource, entry.host)
        Self.decrement(&perStream, StreamKey(host: entry.host, streamID: entry.streamID))
        if pending.isEmpty {
            order.removeAll(keepingCapacity: true)
            orderHead = 0
        }
    }

    private static func decrement<Key: Hashable>(_ counts: inout [Key: Int], _ key: Key) {
        guard let count = counts[key] else { return }
        if count <= 1 { counts.removeValue(forKey: key) } else { counts[key] = count - 1 }
    }

    /// "1.2.3.4:5678" -> "1.2.3.4"; "[::1]:5678" -> "[::1]".
    static func host(of peer: String) -> String {
        guard let colon = peer.lastIndex(of: ":") else { return peer }
        return String(peer[..<colon])
    }
}
