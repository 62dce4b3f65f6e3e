import Foundation

/// One entry of the append-only record. Events form a chain: `mac` is an HMAC-SHA256 over this
/// event's canonical bytes followed by `prevMAC`, the previous event's `mac` (32 zero bytes for
/// the first event), under a key kept outside the database. See `AuditEvent+Canonical.swift`.
public struct AuditEvent: Sendable, Hashable {
    /// Position in the record, 1-based, without gaps.
    public var seq: Int
    /// When it happened, at millisecond precision (rounded on append so that storing and loading
    /// it as integer milliseconds gives back exactly the value that was hashed).
    public var at: Date
    /// The organisation that acted (or tried to).
    public var actor: String
    public var sessionId: String?
    public var incidentId: String?
    public var kind: AuditKind
    public var detail: [String: AuditValue]
    public var prevMAC: Data
    public var mac: Data

    public init(
        seq: Int, at: Date, actor: String, sessionId: String?, incidentId: String?, kind: AuditKind,
        detail: [String: AuditValue], prevMAC: Data, mac: Data
    ) {
        self.seq = seq
        self.at = at
        self.actor = actor
        self.sessionId = sessionId
        self.incidentId = incidentId
        self.kind = kind
        self.detail = detail
        self.prevMAC = prevMAC
        self.mac = mac
    }

    /// `at` as whole milliseconds since 1970, the form that is hashed (and should be stored).
    public var atMilliseconds: Int64 { Self.milliseconds(at) }

    /// Rounded to the nearest millisecond, not down: a time that went through a `Double` in some
    /// encoding (JSON, a reference-date offset) comes back a hair off, and rounding down could
    /// then land on the millisecond before and break the MAC.
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }
}

// Encoded with `at` as integer milliseconds and the MACs as lowercase hex, whatever date or data
// strategy the encoder is set to: an ISO-8601 date without fractions, say, would lose the
// milliseconds that were hashed, and the event would no longer verify after a round trip.
extension AuditEvent: Codable {
    private enum CodingKeys: String, CodingKey {
        case seq, at, actor, sessionId, incidentId, kind, detail, prevMAC, mac
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func hex(_ key: CodingKeys) throws -> Data {
            let text = try container.decode(String.self, forKey: key)
            guard let data = Data(hexString: text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "expected lowercase hex")
            }
            return data
        }
        self.init(
            seq: try container.decode(Int.self, forKey: .seq),
            at: Self.date(milliseconds: try container.decode(Int64.self, forKey: .at)),
            actor: try container.decode(String.self, forKey: .actor),
            sessionId: try container.decodeIfPresent(String.self, forKey: .sessionId),
            incidentId: try container.decodeIfPresent(String.self, forKey: .incidentId),
            kind: try container.decode(AuditKind.self, forKey: .kind),
            detail: try container.decode([String: AuditValue].self, forKey: .detail),
            prevMAC: try hex(.prevMAC), mac: try hex(.mac))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encode(atMilliseconds, forKey: .at)
        try container.encode(actor, forKey: .actor)
        try container.encodeIfPresent(sessionId, forKey: .sessionId)
        try container.encodeIfPresent(incidentId, forKey: .incidentId)
        try container.encode(kind, forKey: .kind)
        try container.encode(detail, forKey: .detail)
        try container.encode(prevMAC.hexString, forKey: .prevMAC)
        try container.encode(mac.hexString, forKey: .mac)
    }
}
