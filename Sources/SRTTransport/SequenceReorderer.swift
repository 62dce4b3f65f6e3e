/// Puts one connection's packets back in sending order when libsrt delivers them on arrival
/// (SRTO_TSBPDMODE off).
///
/// Without TSBPD, libsrt hands a live-mode message over as soon as it arrives, even when an earlier
/// one is still missing: a lost packet comes later, as its retransmission, out of order. This holds
/// the packets after a gap until the gap is filled, then releases them in sequence order; a gap
/// still open after `gapTimeout` (the SRT latency: as long as TSBPD would have waited for it) is
/// given up on, counted, and the packets after it are released. Packets arriving for a sequence
/// already released or given up on are dropped and counted.
///
/// In the common case (no gap) a packet is passed straight through without being copied. Not
/// thread-safe: each connection's reorderer lives on its receive loop.
public struct SequenceReorderer: Sendable {
    /// SRT packet sequence numbers are 31 bits and wrap.
    static let sequenceModulus: Int64 = 1 << 31

    public private(set) var next: Int32?
    private var held: [Int32: [UInt8]] = [:]
    private var gapOpenedAt: Int64?
    public let gapTimeoutMilliseconds: Int64
    public let maximumHeld: Int

    /// Packets never received whose gap was given up on.
    public private(set) var skipped = 0
    /// Packets that arrived after their sequence had been released or given up on.
    public private(set) var late = 0
    /// Packets that had to wait for an earlier one.
    public private(set) var reordered = 0

    public init(gapTimeoutMilliseconds: Int64, maximumHeld: Int = 8192) {
        self.gapTimeoutMilliseconds = gapTimeoutMilliseconds
        self.maximumHeld = maximumHeld
    }

    /// Whether packets are waiting behind a gap (the loop then calls `expire` on every turn).
    public var hasGap: Bool { !held.isEmpty }

    /// Signed distance from `b` to `a` in sequence space (positive: `a` is later).
    static func distance(_ a: Int32, from b: Int32) -> Int64 {
        var d = (Int64(a) - Int64(b)) % sequenceModulus
        if d < 0 { d += sequenceModulus }
        if d >= sequenceModulus / 2 { d -= sequenceModulus }
        return d
    }

    static func advance(_ sequence: Int32, by count: Int64 = 1) -> Int32 {
        Int32((Int64(sequence) + count) % sequenceModulus)
    }

    /// Takes one received packet; `deliver` is called, in sequence order, with every packet that
    /// can now be released (this one, if it was next, and any held ones it unblocks).
    public mutating func receive(sequence: Int32, bytes: UnsafeRawBufferPointer, nowMilliseconds: Int64,
                                 deliver: (UnsafeRawBufferPointer) -> Void) {
        guard let expected = next else {
            next = Self.advance(sequence)
            deliver(bytes)
            return
        }
        let d = Self.distance(sequence, from: expected)
        if d < 0 || held[sequence] != nil {
            late += 1
            return
        }
        if d == 0 {
            next = Self.advance(sequence)
            deliver(bytes)
            releaseContiguous(deliver: deliver)
            gapOpenedAt = held.isEmpty ? nil : nowMilliseconds
            return
        }
        held[sequence] = Array(bytes)
        reordered += 1
        if gapOpenedAt == nil { gapOpenedAt = nowMilliseconds }
        if held.count > maximumHeld {
            giveUpOnGap(deliver: deliver)
            gapOpenedAt = held.isEmpty ? nil : nowMilliseconds
        }
    }

    /// Gives up on a gap that has been open for longer than the timeout.
    public mutating func expire(nowMilliseconds: Int64, deliver: (UnsafeRawBufferPointer) -> Void) {
        guard let opened = gapOpenedAt, nowMilliseconds - opened >= gapTimeoutMilliseconds else { return }
        giveUpOnGap(deliver: deliver)
        // A further gap behind the released run gets its own full wait.
        gapOpenedAt = held.isEmpty ? nil : nowMilliseconds
    }

    /// Releases everything held, gaps skipped: the connection is ending.
    public mutating func flush(deliver: (UnsafeRawBufferPointer) -> Void) {
        while !held.isEmpty { giveUpOnGap(deliver: deliver) }
        gapOpenedAt = nil
    }

    /// Skips to the earliest held packet and releases the run that starts there.
    private mutating func giveUpOnGap(deliver: (UnsafeRawBufferPointer) -> Void) {
        guard let expected = next, !held.isEmpty else { return }
        var earliest: Int32 = expected
        var earliestDistance = Int64.max
        for sequence in held.keys {
            let d = Self.distance(sequence, from: expected)
            if d < earliestDistance {
                earliestDistance = d
                earliest = sequence
            }
        }
        skipped += Int(earliestDistance)
        next = earliest
        releaseContiguous(deliver: deliver)
    }

    private mutating func releaseContiguous(deliver: (UnsafeRawBufferPointer) -> Void) {
        while let expected = next, let bytes = held.removeValue(forKey: expected) {
            next = Self.advance(expected)
            bytes.withUnsafeBytes { deliver($0) }
        }
    }
}
