import Foundation
import GRDB
import Synchronization

/// Live status of every source, kept in memory and written to SQLite coalesced.
///
/// The ingest layer may report at any rate (per statistics tick, per connection event); each
/// `update` is a dictionary write under a mutex. `flush()` (called by the server every few seconds)
/// writes only the sources that changed since the last flush, all in one transaction, plus the
/// availability periods that opened or closed. So 2,911 rooms reporting every second cost one
/// transaction per flush, not thousands of writes.
public final class StatusRecorder: Sendable {
    private enum HistoryEvent: Sendable {
        case open(path: String, at: Date)
        case close(path: String, at: Date)
    }

    private struct State: Sendable {
        var live: [String: LiveStatus] = [:]
        var dirty: Set<String> = []
        var history: [HistoryEvent] = []
    }

    private let state: Mutex<State>
    private let writer: any DatabaseWriter
    private let readOnly: Bool

    init(writer: any DatabaseWriter, loaded: [LiveStatus], readOnly: Bool) {
        var initial = State()
        for live in loaded { initial.live[live.path] = live }
        state = Mutex(initial)
        self.writer = writer
        self.readOnly = readOnly
    }

    static func loadAll(_ db: Database) throws -> [LiveStatus] {
        try LiveStatusRecord.fetchAll(db).map(\.live)
    }

    // MARK: - Updates (memory only)

    /// Records the state of `path`. `since` moves only when the status changes; a transition into
    /// or out of `online` opens or closes an availability period.
    public func update(path: String, status: SourceStatus, figures: LiveFigures = LiveFigures(), at now: Date = Date()) {
        guard !path.isEmpty else { return }
        state.withLock { state in
            let previous = state.live[path] ?? .neverSeen(path)
            var next = previous
            if previous.status != status || previous.since == nil { next.since = now }
            next.status = status
            if let media = figures.lastMediaAt { next.lastMediaAt = media }
            next.bitrate = figures.bitrate
            next.rttMs = figures.rttMs
            next.lossPercent = figures.lossPercent
            next.retransmits = figures.retransmits
            next.updatedAt = now
            state.live[path] = next
            state.dirty.insert(path)
            if status == .online && previous.status != .online {
                state.history.append(.open(path: path, at: now))
            } else if status != .online && previous.status == .online {
                state.history.append(.close(path: path, at: now))
            }
        }
    }

    // MARK: - Reads (memory, which was loaded from the database at open)

    /// The live state of `path`; a never-seen source is offline.
    public func status(path: String) -> LiveStatus {
        state.withLock { $0.live[path] } ?? .neverSeen(path)
    }

    /// Every source with a known state.
    public func all() -> [String: LiveStatus] {
        state.withLock { $0.live }
    }

    /// Sources changed since the last flush.
    public var pendingCount: Int {
        state.withLock { $0.dirty.count }
    }

    /// Room codes whose status is `status` (not meaningful for `.offline`, which also covers
    /// rooms never seen; use `roomCodes(notIn: .offline)` to exclude instead).
    func roomCodes(with status: SourceStatus) -> [String] {
        state.withLock { state in
            state.live.values.compactMap { live in
                live.status == status && live.path.hasPrefix("room/") ? String(live.path.dropFirst(5)) : nil
            }
        }
    }

    func roomCodes(notIn status: SourceStatus) -> [String] {
        state.withLock { state in
            state.live.values.compactMap { live in
                live.status != status && live.path.hasPrefix("room/") ? String(live.path.dropFirst(5)) : nil
            }
        }
    }

    // MARK: - Persistence

    /// Writes every source changed since the last flush, and the availability periods opened or
    /// closed meanwhile, in one transaction. Returns the number of status rows written.
    ///
    /// The batch is taken inside the serialised writer, so concurrent flushes commit in the order
    /// their batches were taken; if the write fails the batch goes back to be retried next time.
    @discardableResult
    public func flush() async throws -> Int {
        if readOnly {
            throw RegistryError(.readOnly, "the registry was opened read-only; live status cannot be saved")
        }
        do {
            return try await writer.writeWithoutTransaction { db in
                let (rows, history) = self.state.withLock { state -> ([LiveStatusRecord], [HistoryEvent]) in
                    let rows = state.dirty.compactMap { state.live[$0].map(LiveStatusRecord.init) }
                    let history = state.history
                    state.dirty.removeAll(keepingCapacity: true)
                    state.history.removeAll(keepingCapacity: true)
                    return (rows, history)
                }
                guard !rows.isEmpty || !history.isEmpty else { return 0 }
                do {
                    try db.inTransaction(.immediate) {
                        // One prepared statement reused for every row: record encoding per row
                        // costs several times more than the SQLite work itself.
                        let upsert = try db.cachedStatement(sql: """
                            INSERT INTO liveStatus (sourcePath, status, since, lastMediaAt, bitrate, rttMs, lossPercent, retransmits, updatedAt)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT(sourcePath) DO UPDATE SET
                                status = excluded.status, since = excluded.since, lastMediaAt = excluded.lastMediaAt,
                                bitrate = excluded.bitrate, rttMs = excluded.rttMs, lossPercent = excluded.lossPercent,
                                retransmits = excluded.retransmits, updatedAt = excluded.updatedAt
                            """)
                        for row in rows {
                            try upsert.execute(arguments: [row.sourcePath, row.status, row.since, row.lastMediaAt, row.bitrate,
                                                           row.rttMs, row.lossPercent, row.retransmits, row.updatedAt])
                        }
                        for event in history { try Self.apply(event, db) }
                        return .commit
                    }
                } catch {
                    self.state.withLock { state in
                        for row in rows { state.dirty.insert(row.sourcePath) }
                        state.history.insert(contentsOf: history, at: 0)
                    }
                    throw error
                }
                return rows.count
            }
        } catch {
            throw RegistryError.wrapping(error)
        }
    }

    private static func apply(_ event: HistoryEvent, _ db: Database) throws {
        switch event {
        case let .open(path, at):
            // Defensive: never leave two open periods for one source.
            try closeOpenPeriod(path: path, at: at, db)
            try db.cachedStatement(sql: "INSERT INTO availabilityPeriod (sourcePath, onlineFrom) VALUES (?, ?)")
                .execute(arguments: [path, at])
        case let .close(path, at):
            try closeOpenPeriod(path: path, at: at, db)
        }
    }

    private static func closeOpenPeriod(path: String, at: Date, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE availabilityPeriod SET onlineUntil = ? WHERE sourcePath = ? AND onlineUntil IS NULL")
            .execute(arguments: [at, path])
    }

    /// After a restart no connection survives: marks every source offline, in the database and in
    /// memory, and closes every open availability period at the source's last update (the best
    /// evidence of when it was last seen alive), or at `now` if unknown.
    ///
    /// Call once at server start, before accepting connections. A CLI that only reads must not
    /// call it while a server is running.
    public func resetAllOffline(at now: Date = Date()) async throws {
        if readOnly {
            throw RegistryError(.readOnly, "the registry was opened read-only; live status cannot be reset")
        }
        do {
            try await writer.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try db.execute(sql: """
                        UPDATE availabilityPeriod
                        SET onlineUntil = MAX(onlineFrom, COALESCE(
                            (SELECT updatedAt FROM liveStatus WHERE liveStatus.sourcePath = availabilityPeriod.sourcePath), ?))
                        WHERE onlineUntil IS NULL
                        """, arguments: [now])
                    try db.execute(sql: """
                        UPDATE liveStatus
                        SET status = 'offline', since = ?, bitrate = NULL, rttMs = NULL, lossPercent = NULL,
                            retransmits = NULL, updatedAt = ?
                        WHERE status <> 'offline'
                        """, arguments: [now, now])
                    return .commit
                }
                self.state.withLock { state in
                    for (path, var live) in state.live where live.status != .offline {
                        live.status = .offline
                        live.since = now
                        live.bitrate = nil
                        live.rttMs = nil
                        live.lossPercent = nil
                        live.retransmits = nil
                        live.updatedAt = now
                        state.live[path] = live
                    }
                    state.dirty.removeAll()
                    state.history.removeAll()
                }
            }
        } catch {
            throw RegistryError.wrapping(error)
        }
    }

    /// Availability periods of one source, oldest first (from the database: call `flush()` first
    /// to include the most recent transitions).
    public func availability(path: String, limit: Int = 1000) async throws -> [AvailabilityPeriod] {
        do {
            return try await writer.read { db in
                try AvailabilityPeriodRecord.fetchAll(db, sql: """
                    SELECT * FROM availabilityPeriod WHERE sourcePath = ? ORDER BY onlineFrom, id LIMIT ?
                    """, arguments: [path, max(1, limit)]).map(\.period)
            }
        } catch {
            throw RegistryError.wrapping(error)
        }
    }
}
