import Foundation

/// The head of the chain — how many events there are and the MAC of the last — kept outside the
/// database, so that whoever can edit the database file cannot cut the tail of the record unseen.
public struct AuditCheckpoint: Sendable, Hashable, Codable {
    public var count: Int
    public var lastMAC: Data

    public init(count: Int, lastMAC: Data) {
        self.count = count
        self.lastMAC = lastMAC
    }

    /// The checkpoint of a record whose last event is `event`.
    public init(after event: AuditEvent) {
        self.init(count: event.seq, lastMAC: event.mac)
    }

    /// The checkpoint of an empty record.
    public static let empty = AuditCheckpoint(count: 0, lastMAC: AuditChain.genesisMAC)
}
