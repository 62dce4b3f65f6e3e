import Crypto
import Foundation

/// Checks a whole record, read-only: every MAC, every link, the numbering, and the tail against
/// the checkpoint kept outside the database.
///
/// Without the key nobody can produce a valid MAC, so any edit of a row shows as a MAC mismatch
/// and any removal as a gap or a broken link. What the chain alone cannot show is a cut tail (the
/// remaining prefix is a perfectly valid chain); the checkpoint is what catches that.
public enum AuditVerifier {
    /// Verifies `events` as stored, in stored order. With a `checkpoint`, the record must reach at
    /// least `checkpoint.count` events, and the event at that position must carry
    /// `checkpoint.lastMAC`. A record longer than its checkpoint is accepted: the checkpoint is
    /// written just after each database commit, so a crash in between leaves it one step behind.
    public static func verify(events: [AuditEvent], key: SymmetricKey, checkpoint: AuditCheckpoint?) -> AuditVerification {
        let present = Set(events.map(\.seq))
        var previousMAC = AuditChain.genesisMAC

        for (index, event) in events.enumerated() {
            let expected = index + 1
            if event.seq > expected {
                if present.contains(expected) {
                    return .broken(AuditFault(kind: .reordered, seq: expected,
                        message: "event \(expected) is stored after event \(event.seq)"))
                }
                let last = event.seq - 1
                return .broken(AuditFault(kind: .removed, seq: expected,
                    message: expected == last ? "event \(expected) is missing" : "events \(expected)-\(last) are missing"))
            }
            if event.seq < expected {
                if index > 0, events[index - 1].seq == event.seq {
                    return .broken(AuditFault(kind: .inserted, seq: event.seq,
                        message: "a second event numbered \(event.seq) was added"))
                }
                return .broken(AuditFault(kind: .reordered, seq: event.seq,
                    message: "event \(event.seq) is stored after event \(events[index - 1].seq)"))
            }

            let macValid = AuditChain.mac(of: event, key: key) == event.mac
            if !macValid || event.prevMAC != previousMAC {
                // A genuine event renumbered to hide a move or a deletion: with its true number it
                // verifies. If the event it followed is still in the record, rows were reordered;
                // if not, rows before it were deleted.
                if !macValid, let original = genuineNumber(of: event, key: key, limit: events.count + 1), original != expected {
                    if original > expected, !events.contains(where: { $0.mac == event.prevMAC }) {
                        let last = original - 1
                        return .broken(AuditFault(kind: .removed, seq: expected,
                            message: (expected == last ? "event \(expected) is missing" : "events \(expected)-\(last) are missing")
                                + "; the events after it were renumbered"))
                    }
                    return .broken(AuditFault(kind: .reordered, seq: expected,
                        message: "the event stored as \(expected) is event \(original), moved and renumbered"))
                }
                // A forged row slipped in: taking it out (and giving the following row back this
                // number) would leave an unbroken chain.
                if index + 1 < events.count {
                    var following = events[index + 1]
                    following.seq = expected
                    if following.prevMAC == previousMAC, AuditChain.mac(of: following, key: key) == following.mac {
                        return .broken(AuditFault(kind: .inserted, seq: expected,
                            message: "event \(expected) was not written by the chain; the event after it continues from event \(expected - 1)"))
                    }
                } else if let checkpoint, checkpoint.count == index, checkpoint.lastMAC == previousMAC {
                    return .broken(AuditFault(kind: .inserted, seq: expected,
                        message: "event \(expected) was added after the checkpointed end of the record (\(checkpoint.count) events)"))
                }
                let why = macValid
                    ? "its link to event \(expected - 1) is broken"
                    : "its content does not match its MAC"
                return .broken(AuditFault(kind: .altered, seq: expected, message: "event \(expected) was altered: \(why)"))
            }
            previousMAC = event.mac
        }

        if let checkpoint {
            if events.count < checkpoint.count {
                let first = events.count + 1
                return .broken(AuditFault(kind: .truncated, seq: first,
                    message: "the checkpoint records \(checkpoint.count) events but only \(events.count) remain; events \(first)-\(checkpoint.count) were cut off"))
            }
            if checkpoint.count > 0, events[checkpoint.count - 1].mac != checkpoint.lastMAC {
                return .broken(AuditFault(kind: .altered, seq: checkpoint.count,
                    message: "event \(checkpoint.count) does not carry the MAC the checkpoint recorded for it"))
            }
        }
        return .intact(AuditCheckpoint(count: events.count, lastMAC: previousMAC))
    }

    /// The sequence number under which `event` carries a valid MAC, if any (searched only once a
    /// fault is found, to tell a moved or renumbered genuine event from a forged one).
    private static func genuineNumber(of event: AuditEvent, key: SymmetricKey, limit: Int) -> Int? {
        var candidate = event
        for seq in 1...max(1, limit) where seq != event.seq {
            candidate.seq = seq
            if AuditChain.mac(of: candidate, key: key) == event.mac { return seq }
        }
        return nil
    }

    /// `verify` with the raw key bytes (the contents of `<data>/audit.key`).
    public static func verify(events: [AuditEvent], keyBytes: Data, checkpoint: AuditCheckpoint?) -> AuditVerification {
        verify(events: events, key: SymmetricKey(data: keyBytes), checkpoint: checkpoint)
    }
}
