import Crypto
import Foundation

/// What the recording ledger records: every start and stop, every file sealed, every gap, every
/// deletion, disk-full stops and resumptions, hand recordings, evidence marks and holds.
public enum LedgerKind: String, Sendable, Codable, CaseIterable {
    case recordingStarted = "recording.started"
    case recordingStopped = "recording.stopped"
    case fileOpened = "file.opened"
    case fileSealed = "file.sealed"
    case fileRecovered = "file.recovered"
    case fileDeleted = "file.deleted"
    /// Fragments dropped: the disk was slower than the stream, or a write failed.
    case gap = "gap"
    case diskLow = "disk.low"
    case diskResumed = "disk.resumed"
    case handStarted = "hand.started"
    case handStopped = "hand.stopped"
    case evidenceMarked = "evidence.marked"
    case evidenceReleased = "evidence.released"
    case holdPlaced = "hold.placed"
    case holdReleased = "hold.released"
    case anchored = "anchored"
}

/// One entry of the recording ledger, chained: `hash = SHA-256(previous hash ‖ canonical body)`.
/// The chain's head is anchored into the joint-reporting record (HMAC-chained) every hour and
/// whenever a session closes, so a rewritten ledger no longer matches what the record says.
public struct LedgerEntry: Sendable, Equatable, Codable {
    public var sequence: Int64
    public var time: Date
    public var kind: LedgerKind
    public var path: String?
    /// Sorted keys, string values: what the entry says (file name, chain head, counts, actor).
    public var detail: [String: String]
    public var previousHash: Data
    public var hash: Data

    public init(sequence: Int64, time: Date, kind: LedgerKind, path: String?, detail: [String: String], previousHash: Data) {
        self.sequence = sequence
        self.time = Date(timeIntervalSince1970: Double(Self.milliseconds(time)) / 1000)
        self.kind = kind
        self.path = path
        self.detail = detail
        self.previousHash = previousHash
        self.hash = Self.computeHash(sequence: sequence, time: self.time, kind: kind, path: path, detail: detail, previousHash: previousHash)
    }

    /// The genesis "previous hash": 32 zero bytes.
    public static let genesis = Data(repeating: 0, count: 32)

    /// Milliseconds since 1970: what the hash covers (a database round trip keeps them exactly).
    public static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    public static func computeHash(sequence: Int64, time: Date, kind: LedgerKind, path: String?, detail: [String: String], previousHash: Data) -> Data {
        var body = "\(sequence)\n\(milliseconds(time))\n\(kind.rawValue)\n\(path ?? "")\n"
        for key in detail.keys.sorted() {
            body += "\(key.count):\(key)=\(detail[key]!.utf8.count):\(detail[key]!)\n"
        }
        var hasher = SHA256()
        hasher.update(data: previousHash)
        hasher.update(data: Data(body.utf8))
        return Data(hasher.finalize())
    }

    public var isIntact: Bool {
        hash == Self.computeHash(sequence: sequence, time: time, kind: kind, path: path, detail: detail, previousHash: previousHash)
    }
}
