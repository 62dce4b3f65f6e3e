import Foundation
import GRDB
import JointReporting
import Recording

/// The recording index and ledger in SQLite (WAL): `<recording directory>/index.sqlite`, beside
/// the files it describes, so a recording disk moved to another machine carries its index.
public final class RecordingDatabase: RecordingIndex, Sendable {
    public static let fileName = "index.sqlite"

    let pool: DatabasePool
    public let url: URL

    /// Opens (creating and migrating when `readOnly` is false) the index in `directory`.
    public init(directory: URL, readOnly: Bool = false) throws {
        url = directory.appendingPathComponent(Self.fileName)
        var configuration = Configuration()
        configuration.label = "fieldrelay.recordings"
        configuration.busyMode = .timeout(5)
        configuration.readonly = readOnly
        if readOnly && !FileManager.default.fileExists(atPath: url.path) {
            throw RecordingError(.notFound, "no recording index at \(url.path)")
        }
        do {
            pool = try DatabasePool(path: url.path, configuration: configuration)
            if !readOnly {
                // synchronous=FULL: a committed index entry survives a power cut (WAL's default,
                // NORMAL, may lose the last transactions).
                try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
                try Self.migrator.migrate(pool)
            }
        } catch let error as RecordingError {
            throw error
        } catch {
            throw RecordingError(.storage, "cannot open the recording index \(url.path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-recordings") { db in
            try db.execute(sql: """
                CREATE TABLE recording_file (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    path TEXT NOT NULL,
                    name TEXT NOT NULL UNIQUE,
                    instance TEXT NOT NULL,
                    codecs TEXT NOT NULL,
                    created_ms INTEGER NOT NULL,
                    init_length INTEGER NOT NULL,
                    init_hash BLOB NOT NULL,
                    sealed_ms INTEGER,
                    chain_head BLOB,
                    fragment_count INTEGER NOT NULL DEFAULT 0,
                    start_ms INTEGER,
                    end_ms INTEGER,
                    recovered INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX recording_file_path_start ON recording_file(path, start_ms);
                CREATE TABLE recording_fragment (
                    file_id INTEGER NOT NULL REFERENCES recording_file(id) ON DELETE CASCADE,
                    sequence INTEGER NOT NULL,
                    offset INTEGER NOT NULL,
                    length INTEGER NOT NULL,
                    start_ms INTEGER NOT NULL,
                    end_ms INTEGER NOT NULL,
                    hash BLOB NOT NULL,
                    recovered INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (file_id, sequence)
                ) WITHOUT ROWID;
                CREATE TABLE recording_ledger (
                    sequence INTEGER PRIMARY KEY,
                    time_ms INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    path TEXT,
                    detail TEXT NOT NULL,
                    previous_hash BLOB NOT NULL,
                    hash BLOB NOT NULL
                );
                CREATE TRIGGER recording_ledger_append_only_update BEFORE UPDATE ON recording_ledger
                    BEGIN SELECT RAISE(ABORT, 'the recording ledger is append-only'); END;
                CREATE TRIGGER recording_ledger_append_only_delete BEFORE DELETE ON recording_ledger
                    BEGIN SELECT RAISE(ABORT, 'the recording ledger is append-only'); END;
                CREATE TABLE recording_hand (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    path TEXT NOT NULL,
                    note TEXT NOT NULL,
                    started_by TEXT NOT NULL,
                    started_ms INTEGER NOT NULL,
                    stopped_by TEXT,
                    stopped_ms INTEGER
                );
                CREATE TABLE recording_link (
                    path TEXT NOT NULL,
                    session_id TEXT NOT NULL,
                    incident_id TEXT NOT NULL,
                    from_ms INTEGER NOT NULL,
                    to_ms INTEGER,
                    PRIMARY KEY (path, session_id, from_ms)
                );
                CREATE INDEX recording_link_incident ON recording_link(incident_id);
                CREATE TABLE recording_evidence (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    path TEXT NOT NULL,
                    from_ms INTEGER NOT NULL,
                    to_ms INTEGER NOT NULL,
                    note TEXT NOT NULL,
                    marked_by TEXT NOT NULL,
                    marked_ms INTEGER NOT NULL,
                    released_by TEXT,
                    released_ms INTEGER
                );
                CREATE TABLE recording_hold (
                    incident_id TEXT PRIMARY KEY,
                    placed_by TEXT NOT NULL,
                    placed_ms INTEGER NOT NULL,
                    note TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2-recording-playback") { db in
            try db.execute(sql: """
                CREATE TABLE recording_playback (
                    org TEXT NOT NULL,
                    file TEXT NOT NULL,
                    first_ms INTEGER NOT NULL,
                    PRIMARY KEY (org, file)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v3-recording-exports") { db in
            try db.execute(sql: """
                CREATE TABLE recording_export (
                    number INTEGER PRIMARY KEY AUTOINCREMENT,
                    path TEXT NOT NULL,
                    from_ms INTEGER NOT NULL,
                    to_ms INTEGER NOT NULL,
                    note TEXT NOT NULL,
                    requested_by TEXT NOT NULL,
                    incident TEXT,
                    created_ms INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    progress REAL NOT NULL DEFAULT 0,
                    error TEXT,
                    finished_ms INTEGER,
                    size INTEGER,
                    sha256 BLOB,
                    allowed TEXT
                );
                """)
        }
        return migrator
    }

    // MARK: - helpers

    static func ms(_ date: Date) -> Int64 { LedgerEntry.milliseconds(date) }
    static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
    static func date(_ ms: Int64?) -> Date? { ms.map { date($0) } }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let error as RecordingError { throw error } catch {
            throw RecordingError(.storage, "recording index: \(error)")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let error as RecordingError { throw error } catch {
            throw RecordingError(.storage, "recording index: \(error)")
        }
    }

    static func file(_ row: Row) -> RecordedFile {
        RecordedFile(id: row["id"], path: row["path"], name: row["name"], instance: row["instance"], codecs: row["codecs"],
                     createdAt: date(row["created_ms"] as Int64), initLength: row["init_length"], initHash: row["init_hash"],
                     sealedAt: date(row["sealed_ms"] as Int64?), chainHead: row["chain_head"], fragmentCount: row["fragment_count"],
                     start: date(row["start_ms"] as Int64?), end: date(row["end_ms"] as Int64?), recovered: row["recovered"])
    }

    static func fragment(_ row: Row) -> RecordedFragment {
        RecordedFragment(fileID: row["file_id"], sequence: row["sequence"], offset: row["offset"], length: row["length"],
                         start: date(row["start_ms"] as Int64), end: date(row["end_ms"] as Int64), hash: row["hash"], recovered: row["recovered"])
    }

    static func ledgerEntry(_ row: Row) throws -> LedgerEntry {
        let detailText: String = row["detail"]
        let detail = try JSONDecoder().decode([String: String].self, from: Data(detailText.utf8))
        guard let kind = LedgerKind(rawValue: row["kind"]) else {
            throw RecordingError(.integrity, "ledger entry \(row["sequence"] as Int64) has an unknown kind \(row["kind"] as String)")
        }
        var entry = LedgerEntry(sequence: row["sequence"], time: date(row["time_ms"] as Int64), kind: kind, path: row["path"],
                                detail: detail, previousHash: row["previous_hash"])
        // Keep what is stored, so a verifier sees an altered hash as altered.
        entry.hash = row["hash"]
        return entry
    }

    @discardableResult
    static func appendLedger(_ db: Database, _ kind: LedgerKind, path: String?, detail: [String: String], at time: Date) throws -> LedgerEntry {
        let last = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM recording_ledger ORDER BY sequence DESC LIMIT 1")
        let sequence = (last?["sequence"] as Int64? ?? 0) + 1
        let previous: Data = last?["hash"] ?? LedgerEntry.genesis
        let entry = LedgerEntry(sequence: sequence, time: time, kind: kind, path: path, detail: detail, previousHash: previous)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let detailText = String(decoding: try encoder.encode(detail), as: UTF8.self)
        try db.execute(sql: "INSERT INTO recording_ledger (sequence, time_ms, kind, path, detail, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       arguments: [sequence, ms(entry.time), kind.rawValue, path, detailText, previous, entry.hash])
        return entry
    }

    // MARK: - files and fragments

    public func createFile(path: String, name: String, instance: String, codecs: String, createdAt: Date, initLength: Int64, initHash: Data) throws -> RecordedFile {
        try write { db in
            try db.execute(sql: """
                INSERT INTO recording_file (path, name, instance, codecs, created_ms, init_length, init_hash)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [path, name, instance, codecs, Self.ms(createdAt), initLength, initHash])
            let id = db.lastInsertedRowID
            try Self.appendLedger(db, .fileOpened, path: path, detail: ["file": name, "instance": instance, "codecs": codecs, "init": initHash.hexString], at: createdAt)
            return RecordedFile(id: id, path: path, name: name, instance: instance, codecs: codecs,
                                createdAt: Self.date(Self.ms(createdAt)), initLength: initLength, initHash: initHash)
        }
    }

    public func appendFragment(_ fragment: RecordedFragment) throws {
        try write { db in
            try db.execute(sql: """
                INSERT INTO recording_fragment (file_id, sequence, offset, length, start_ms, end_ms, hash, recovered)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [fragment.fileID, fragment.sequence, fragment.offset, fragment.length,
                                 Self.ms(fragment.start), Self.ms(fragment.end), fragment.hash, fragment.recovered])
            try db.execute(sql: """
                UPDATE recording_file SET fragment_count = fragment_count + 1,
                    start_ms = COALESCE(start_ms, ?), end_ms = ? WHERE id = ?
                """, arguments: [Self.ms(fragment.start), Self.ms(fragment.end), fragment.fileID])
        }
    }

    public func sealFile(id: Int64, at time: Date, chainHead: Data, recovered: Bool, detail: [String: String]) throws -> (file: RecordedFile, entry: LedgerEntry?) {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM recording_file WHERE id = ?", arguments: [id]) else {
                throw RecordingError(.notFound, "no recording file \(id)")
            }
            let file = Self.file(row)
            guard !file.isSealed else { return (file, nil) }
            try db.execute(sql: "UPDATE recording_file SET sealed_ms = ?, chain_head = ?, recovered = ? WHERE id = ?",
                           arguments: [Self.ms(time), chainHead, recovered, id])
            var entryDetail = detail
            entryDetail["file"] = file.name
            entryDetail["fragments"] = String(file.fragmentCount)
            entryDetail["chainHead"] = chainHead.hexString
            entryDetail["init"] = file.initHash.hexString
            if let start = file.start { entryDetail["start"] = RecordingTime.format(start) }
            if let end = file.end { entryDetail["end"] = RecordingTime.format(end) }
            let entry = try Self.appendLedger(db, recovered ? .fileRecovered : .fileSealed, path: file.path, detail: entryDetail, at: time)
            return (Self.file(try Row.fetchOne(db, sql: "SELECT * FROM recording_file WHERE id = ?", arguments: [id])!), entry)
        }
    }

    public func removeFragments(fileID: Int64, from sequence: Int) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM recording_fragment WHERE file_id = ? AND sequence >= ?", arguments: [fileID, sequence])
            try db.execute(sql: """
                UPDATE recording_file SET
                    fragment_count = (SELECT COUNT(*) FROM recording_fragment WHERE file_id = ?1),
                    start_ms = (SELECT MIN(start_ms) FROM recording_fragment WHERE file_id = ?1),
                    end_ms = (SELECT MAX(end_ms) FROM recording_fragment WHERE file_id = ?1)
                WHERE id = ?1
                """, arguments: [fileID])
        }
    }

    public func deleteFile(id: Int64, reason: String, at time: Date) throws {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM recording_file WHERE id = ?", arguments: [id]) else { return }
            let file = Self.file(row)
            try db.execute(sql: "DELETE FROM recording_fragment WHERE file_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM recording_file WHERE id = ?", arguments: [id])
            var detail = ["file": file.name, "reason": reason, "fragments": String(file.fragmentCount)]
            if let head = file.chainHead { detail["chainHead"] = head.hexString }
            try Self.appendLedger(db, .fileDeleted, path: file.path, detail: detail, at: time)
        }
    }

    public func file(id: Int64) throws -> RecordedFile? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM recording_file WHERE id = ?", arguments: [id]).map(Self.file) }
    }

    public func file(named name: String) throws -> RecordedFile? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM recording_file WHERE name = ?", arguments: [name]).map(Self.file) }
    }

    public func files(path: String?, from: Date?, to: Date?) throws -> [RecordedFile] {
        try read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let path { clauses.append("path = ?"); _ = arguments.append(contentsOf: [path]) }
            if let from { clauses.append("(end_ms IS NULL OR end_ms >= ?)"); _ = arguments.append(contentsOf: [Self.ms(from)]) }
            if let to { clauses.append("(start_ms IS NULL OR start_ms <= ?)"); _ = arguments.append(contentsOf: [Self.ms(to)]) }
            let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT * FROM recording_file \(whereClause) ORDER BY COALESCE(start_ms, created_ms), id",
                                    arguments: arguments).map(Self.file)
        }
    }

    public func unsealedFiles() throws -> [RecordedFile] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM recording_file WHERE sealed_ms IS NULL ORDER BY id").map(Self.file) }
    }

    public func sealedFiles() throws -> [RecordedFile] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM recording_file WHERE sealed_ms IS NOT NULL ORDER BY start_ms, id").map(Self.file) }
    }

    public func sealEntry(of file: RecordedFile) throws -> LedgerEntry? {
        try read { db in
            try Row.fetchOne(db, sql: """
                SELECT * FROM recording_ledger WHERE kind IN (?, ?) AND path = ? AND json_extract(detail, '$.file') = ?
                ORDER BY sequence DESC LIMIT 1
                """, arguments: [LedgerKind.fileSealed.rawValue, LedgerKind.fileRecovered.rawValue, file.path, file.name]).map(Self.ledgerEntry)
        }
    }

    public func fragments(fileID: Int64) throws -> [RecordedFragment] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM recording_fragment WHERE file_id = ? ORDER BY sequence", arguments: [fileID]).map(Self.fragment)
        }
    }

    // MARK: - ledger

    @discardableResult
    public func appendLedger(_ kind: LedgerKind, path: String?, detail: [String: String], at time: Date) throws -> LedgerEntry {
        try write { db in try Self.appendLedger(db, kind, path: path, detail: detail, at: time) }
    }

    public func ledger(from sequence: Int64) throws -> [LedgerEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM recording_ledger WHERE sequence >= ? ORDER BY sequence", arguments: [sequence]).map(Self.ledgerEntry)
        }
    }

    public func ledgerHead() throws -> LedgerEntry? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM recording_ledger ORDER BY sequence DESC LIMIT 1").map(Self.ledgerEntry) }
    }

    // MARK: - exports

    static func export(_ row: Row) -> ExportJob {
        let allowed: [ExportJob.AllowedSpan]? = (row["allowed"] as String?).flatMap {
            try? JSONDecoder().decode([[Int64]].self, from: Data($0.utf8)).compactMap { pair in
                pair.count == 2 ? ExportJob.AllowedSpan(from: date(pair[0] as Int64), to: date(pair[1] as Int64)) : nil
            }
        }
        return ExportJob(
            id: "exp-\(row["number"] as Int64)", path: row["path"], from: date(row["from_ms"] as Int64), to: date(row["to_ms"] as Int64),
            note: row["note"], requestedBy: row["requested_by"], incidentID: row["incident"], createdAt: date(row["created_ms"] as Int64),
            state: ExportJob.State(rawValue: row["state"]) ?? .failed, progress: row["progress"], error: row["error"],
            finishedAt: date(row["finished_ms"] as Int64?), size: row["size"], sha256: row["sha256"], allowed: allowed)
    }

    static func number(_ id: String) -> Int64? {
        guard id.hasPrefix("exp-") else { return nil }
        return Int64(id.dropFirst(4))
    }

    public func createExport(path: String, from: Date, to: Date, note: String, requestedBy: String, incidentID: String?, at time: Date,
                             allowed: [ExportJob.AllowedSpan]?) throws -> ExportJob {
        let allowedText = try allowed.map { spans in
            String(decoding: try JSONEncoder().encode(spans.map { [Self.ms($0.from), Self.ms($0.to)] }), as: UTF8.self)
        }
        return try write { db in
            try db.execute(sql: """
                INSERT INTO recording_export (path, from_ms, to_ms, note, requested_by, incident, created_ms, state, allowed)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?)
                """, arguments: [path, Self.ms(from), Self.ms(to), note, requestedBy, incidentID, Self.ms(time), allowedText])
            return Self.export(try Row.fetchOne(db, sql: "SELECT * FROM recording_export WHERE number = ?", arguments: [db.lastInsertedRowID])!)
        }
    }

    public func updateExport(_ job: ExportJob) throws {
        guard let number = Self.number(job.id) else { throw RecordingError(.notFound, "no export \(job.id)") }
        try write { db in
            try db.execute(sql: """
                UPDATE recording_export SET state = ?, progress = ?, error = ?, finished_ms = ?, size = ?, sha256 = ? WHERE number = ?
                """, arguments: [job.state.rawValue, job.progress, job.error, job.finishedAt.map { Self.ms($0) }, job.size, job.sha256, number])
        }
    }

    public func export(id: String) throws -> ExportJob? {
        guard let number = Self.number(id) else { return nil }
        return try read { db in try Row.fetchOne(db, sql: "SELECT * FROM recording_export WHERE number = ?", arguments: [number]).map(Self.export) }
    }

    public func exports() throws -> [ExportJob] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM recording_export ORDER BY number DESC").map(Self.export) }
    }

    // MARK: - hand recordings

    static func hand(_ row: Row) -> HandRecording {
        HandRecording(id: row["id"], path: row["path"], note: row["note"], startedBy: row["started_by"],
                      startedAt: date(row["started_ms"] as Int64), stoppedBy: row["stopped_by"], stoppedAt: date(row["stopped_ms"] as Int64?))
    }

    public func startHandRecording(path: String, note: String, by actor: String, at time: Date) throws -> HandRecording {
        try write { db in
            try db.execute(sql: "INSERT INTO recording_hand (path, note, started_by, started_ms) VALUES (?, ?, ?, ?)",
                           arguments: [path, note, actor, Self.ms(time)])
            let id = db.lastInsertedRowID
            try Self.appendLedger(db, .handStarted, path: path, detail: ["id": String(id), "by": actor, "note": note], at: time)
            return Self.hand(try Row.fetchOne(db, sql: "SELECT * FROM recording_hand WHERE id = ?", arguments: [id])!)
        }
    }

    public func stopHandRecording(id: Int64, by actor: String, at time: Date) throws -> HandRecording {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM recording_hand WHERE id = ?", arguments: [id]) else {
                throw RecordingError(.notFound, "no hand recording \(id)")
            }
            let hand = Self.hand(row)
            guard hand.stoppedAt == nil else { return hand }
            try db.execute(sql: "UPDATE recording_hand SET stopped_by = ?, stopped_ms = ? WHERE id = ?", arguments: [actor, Self.ms(time), id])
            try Self.appendLedger(db, .handStopped, path: hand.path, detail: ["id": String(id), "by": actor], at: time)
            return Self.hand(try Row.fetchOne(db, sql: "SELECT * FROM recording_hand WHERE id = ?", arguments: [id])!)
        }
    }

    public func handRecording(id: Int64) throws -> HandRecording? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM recording_hand WHERE id = ?", arguments: [id]).map(Self.hand) }
    }

    public func activeHandRecordings() throws -> [HandRecording] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM recording_hand WHERE stopped_ms IS NULL ORDER BY id").map(Self.hand) }
    }

    // MARK: - session links

    public func openLink(_ link: SessionLink) throws {
        try write { db in
            let open = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM recording_link WHERE path = ? AND session_id = ? AND to_ms IS NULL",
                                        arguments: [link.path, link.sessionID]) ?? 0
            guard open == 0 else { return }
            try db.execute(sql: "INSERT OR IGNORE INTO recording_link (path, session_id, incident_id, from_ms, to_ms) VALUES (?, ?, ?, ?, ?)",
                           arguments: [link.path, link.sessionID, link.incidentID, Self.ms(link.from), link.to.map(Self.ms)])
        }
    }

    public func closeLink(path: String, sessionID: String, at time: Date) throws {
        try write { db in
            try db.execute(sql: "UPDATE recording_link SET to_ms = ? WHERE path = ? AND session_id = ? AND to_ms IS NULL",
                           arguments: [Self.ms(time), path, sessionID])
        }
    }

    public func links(path: String?, incidentID: String?, sessionID: String?) throws -> [SessionLink] {
        try read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let path { clauses.append("path = ?"); _ = arguments.append(contentsOf: [path]) }
            if let incidentID { clauses.append("incident_id = ?"); _ = arguments.append(contentsOf: [incidentID]) }
            if let sessionID { clauses.append("session_id = ?"); _ = arguments.append(contentsOf: [sessionID]) }
            let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT * FROM recording_link \(whereClause) ORDER BY from_ms", arguments: arguments).map { row in
                SessionLink(path: row["path"], sessionID: row["session_id"], incidentID: row["incident_id"],
                            from: Self.date(row["from_ms"] as Int64), to: Self.date(row["to_ms"] as Int64?))
            }
        }
    }

    // MARK: - evidence marks and holds

    static func mark(_ row: Row) -> EvidenceMark {
        EvidenceMark(id: row["id"], path: row["path"], from: date(row["from_ms"] as Int64), to: date(row["to_ms"] as Int64),
                     note: row["note"], markedBy: row["marked_by"], markedAt: date(row["marked_ms"] as Int64),
                     releasedBy: row["released_by"], releasedAt: date(row["released_ms"] as Int64?))
    }

    public func markEvidence(path: String, from: Date, to: Date, note: String, by actor: String, at time: Date) throws -> EvidenceMark {
        try write { db in
            try db.execute(sql: "INSERT INTO recording_evidence (path, from_ms, to_ms, note, marked_by, marked_ms) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [path, Self.ms(from), Self.ms(to), note, actor, Self.ms(time)])
            let id = db.lastInsertedRowID
            try Self.appendLedger(db, .evidenceMarked, path: path, detail: [
                "id": String(id), "by": actor, "note": note, "from": RecordingTime.format(from), "to": RecordingTime.format(to),
            ], at: time)
            return Self.mark(try Row.fetchOne(db, sql: "SELECT * FROM recording_evidence WHERE id = ?", arguments: [id])!)
        }
    }

    public func releaseEvidence(id: Int64, by actor: String, at time: Date) throws -> EvidenceMark {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM recording_evidence WHERE id = ?", arguments: [id]) else {
                throw RecordingError(.notFound, "no evidence mark \(id)")
            }
            let mark = Self.mark(row)
            guard mark.releasedAt == nil else { return mark }
            try db.execute(sql: "UPDATE recording_evidence SET released_by = ?, released_ms = ? WHERE id = ?", arguments: [actor, Self.ms(time), id])
            try Self.appendLedger(db, .evidenceReleased, path: mark.path, detail: ["id": String(id), "by": actor], at: time)
            return Self.mark(try Row.fetchOne(db, sql: "SELECT * FROM recording_evidence WHERE id = ?", arguments: [id])!)
        }
    }

    public func evidenceMarks(includeReleased: Bool) throws -> [EvidenceMark] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM recording_evidence \(includeReleased ? "" : "WHERE released_ms IS NULL") ORDER BY id").map(Self.mark)
        }
    }

    public func notePlayback(org: String, file: String, at time: Date) throws -> Bool {
        try write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO recording_playback (org, file, first_ms) VALUES (?, ?, ?)",
                           arguments: [org, file, Self.ms(time)])
            return db.changesCount > 0
        }
    }

    public func placeHold(incidentID: String, note: String, by actor: String, at time: Date) throws -> LegalHold {
        try write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM recording_hold WHERE incident_id = ?", arguments: [incidentID]) {
                return LegalHold(incidentID: row["incident_id"], placedBy: row["placed_by"], placedAt: Self.date(row["placed_ms"] as Int64), note: row["note"])
            }
            try db.execute(sql: "INSERT INTO recording_hold (incident_id, placed_by, placed_ms, note) VALUES (?, ?, ?, ?)",
                           arguments: [incidentID, actor, Self.ms(time), note])
            try Self.appendLedger(db, .holdPlaced, path: nil, detail: ["incident": incidentID, "by": actor, "note": note], at: time)
            return LegalHold(incidentID: incidentID, placedBy: actor, placedAt: Self.date(Self.ms(time)), note: note)
        }
    }

    public func releaseHold(incidentID: String, by actor: String, at time: Date) throws {
        try write { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM recording_hold WHERE incident_id = ?", arguments: [incidentID]) ?? 0 > 0 else {
                throw RecordingError(.notFound, "no legal hold on incident \(incidentID)")
            }
            try db.execute(sql: "DELETE FROM recording_hold WHERE incident_id = ?", arguments: [incidentID])
            try Self.appendLedger(db, .holdReleased, path: nil, detail: ["incident": incidentID, "by": actor], at: time)
        }
    }

    public func holds() throws -> [LegalHold] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM recording_hold ORDER BY placed_ms").map { row in
                LegalHold(incidentID: row["incident_id"], placedBy: row["placed_by"], placedAt: Self.date(row["placed_ms"] as Int64), note: row["note"])
            }
        }
    }
}
