/// The first thing wrong with a record, as found by `AuditVerifier`.
public struct AuditFault: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// A row's content (or its link to the previous row) no longer matches its MAC.
        case altered
        /// One or more rows are missing from inside the record (a gap in `seq`).
        case removed
        /// A row that the chain never produced sits in the record.
        case inserted
        /// Rows are present but out of order.
        case reordered
        /// The record is shorter than the checkpoint says: its last rows were cut off.
        case truncated
    }

    public var kind: Kind
    /// The sequence number of the first bad event (for `removed` and `truncated`, the first
    /// missing one).
    public var seq: Int
    public var message: String

    public init(kind: Kind, seq: Int, message: String) {
        self.kind = kind
        self.seq = seq
        self.message = message
    }

    public var description: String { "event \(seq): \(kind.rawValue): \(message)" }
}
