import AccessKeys
import Foundation
import Synchronization

/// The current SRT read key of each caller (an organisation, or `admin`), answered from memory:
/// the listen callback runs on libsrt's thread and must not touch the database, and a connected
/// reader asks for every access unit whether its key is still current.
///
/// Follows the gateway's own rotations at once; `refresh()`, which the gateway calls every few
/// seconds, picks up a rotation made by the CLI on the same data directory. Generations only rise,
/// so a refresh that read the database just before a rotation cannot undo it.
public final class SRTReadKeyGenerations: Sendable {
    public let database: ReportingDatabase
    public let keys: SRTReadKeys
    private let generations = Mutex<[String: Int]>([:])

    public init(database: ReportingDatabase, keys: SRTReadKeys) async throws {
        self.database = database
        self.keys = keys
        try await refresh()
    }

    /// The generation of `caller`'s key now (0 until it is first rotated).
    public func generation(for caller: String) -> Int {
        generations.withLock { $0[caller] ?? 0 }
    }

    /// The key `caller` reads with now.
    public func currentKey(for caller: String) -> String {
        keys.key(for: caller, generation: generation(for: caller))
    }

    /// Re-reads the generations from the database.
    public func refresh() async throws {
        let stored = try await database.srtReadKeyGenerations()
        raise(to: stored)
    }

    /// Replaces `caller`'s key: the old one is refused from the next handshake on, and readers
    /// connected with it are cut. Returns the new key.
    public func rotate(_ caller: String) async throws -> (key: String, generation: Int) {
        let generation = try await database.rotateSRTReadKey(caller: caller)
        raise(to: [caller: generation])
        return (keys.key(for: caller, generation: generation), generation)
    }

    private func raise(to stored: [String: Int]) {
        generations.withLock { current in
            current.merge(stored) { max($0, $1) }
        }
    }
}
