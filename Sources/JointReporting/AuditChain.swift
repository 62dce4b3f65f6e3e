import Crypto
import Foundation

/// Appends events to the chained record: assigns the next `seq`, links `prevMAC` and computes the
/// MAC. A value type with no I/O; `SessionCoordinator` persists what it returns.
public struct AuditChain: Sendable {
    /// `prevMAC` of the first event.
    public static let genesisMAC = Data(repeating: 0, count: 32)

    // Raw bytes rather than `SymmetricKey`, which is not `Sendable` in swift-crypto 3.x; a key
    // object is made per MAC, which costs nothing next to the hashing.
    private let keyBytes: Data
    public private(set) var count: Int
    public private(set) var lastMAC: Data

    /// A chain continuing after `last` (or a new chain when `last` is `nil`).
    /// A chain keyed by raw bytes, e.g. the contents of `<data>/audit.key` (at least 32 random
    /// bytes, HMAC-SHA256's output size), continuing after `last` (or new when `last` is `nil`).
    public init(keyBytes: Data, resumingAfter last: AuditEvent? = nil) {
        self.keyBytes = keyBytes
        self.count = last?.seq ?? 0
        self.lastMAC = last?.mac ?? Self.genesisMAC
    }

    public init(key: SymmetricKey, resumingAfter last: AuditEvent? = nil) {
        self.init(keyBytes: key.withUnsafeBytes { Data($0) }, resumingAfter: last)
    }

    public var checkpoint: AuditCheckpoint { AuditCheckpoint(count: count, lastMAC: lastMAC) }

    /// The next event, chained to the last one. Does not advance the chain: call `commit(_:)`
    /// once the event has been stored, so a failed write leaves the chain where it was.
    public func next(
        at: Date, actor: String, sessionId: String?, incidentId: String?, kind: AuditKind,
        detail: [String: AuditValue]
    ) -> AuditEvent {
        var event = AuditEvent(
            seq: count + 1, at: AuditEvent.date(milliseconds: AuditEvent.milliseconds(at)), actor: actor,
            sessionId: sessionId, incidentId: incidentId, kind: kind, detail: detail,
            prevMAC: lastMAC, mac: Data())
        event.mac = Self.mac(of: event, key: SymmetricKey(data: keyBytes))
        return event
    }

    /// Advances the chain past `event`, which must be the one `next` returned.
    public mutating func commit(_ event: AuditEvent) {
        precondition(event.seq == count + 1 && event.prevMAC == lastMAC, "audit events must be committed in chain order")
        count = event.seq
        lastMAC = event.mac
    }

    /// `next` followed by `commit`, for callers that store nothing (tests, tools).
    @discardableResult
    public mutating func append(
        at: Date, actor: String, sessionId: String? = nil, incidentId: String? = nil, kind: AuditKind,
        detail: [String: AuditValue] = [:]
    ) -> AuditEvent {
        let event = next(at: at, actor: actor, sessionId: sessionId, incidentId: incidentId, kind: kind, detail: detail)
        commit(event)
        return event
    }

    /// HMAC-SHA256(key, canonicalBytes ‖ prevMAC).
    public static func mac(of event: AuditEvent, key: SymmetricKey) -> Data {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: event.canonicalBytes)
        hmac.update(data: event.prevMAC)
        return Data(hmac.finalize())
    }
}
