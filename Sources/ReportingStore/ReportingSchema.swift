import GRDB

/// The reporting database's schema as an append-only list of named migrations.
///
/// Never edit a migration that has landed: databases in the field have recorded its name as
/// applied and would silently miss the edit. Add a new named migration instead.
enum ReportingSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1-incidents-sessions-audit") { db in
            // Raw SQL keeps the migration frozen: a later change to a Swift type cannot alter it.
            // Incidents and sessions are the current state, one JSON document per row (the domain
            // owns their shape) beside the columns a query filters on; the audit table is the
            // record and is only ever appended to.
            try db.execute(sql: """
                CREATE TABLE incident (
                    id TEXT NOT NULL PRIMARY KEY,
                    areaCode TEXT NOT NULL,
                    grade TEXT NOT NULL,
                    createdAt INTEGER NOT NULL,
                    document TEXT NOT NULL
                );
                CREATE INDEX incident_areaCode ON incident(areaCode);

                CREATE TABLE jointSession (
                    id TEXT NOT NULL PRIMARY KEY,
                    incidentId TEXT NOT NULL REFERENCES incident(id),
                    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
                    host TEXT NOT NULL,
                    createdAt INTEGER NOT NULL,
                    document TEXT NOT NULL
                );
                CREATE INDEX jointSession_incidentId ON jointSession(incidentId);

                -- seq is the chain position (part of each MAC); the rowid is storage order. Times
                -- are integer milliseconds, exactly what was hashed.
                CREATE TABLE auditEvent (
                    seq INTEGER NOT NULL UNIQUE,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    sessionId TEXT,
                    incidentId TEXT,
                    kind TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    prevMAC BLOB NOT NULL,
                    mac BLOB NOT NULL
                );
                CREATE INDEX auditEvent_sessionId ON auditEvent(sessionId);
                CREATE INDEX auditEvent_incidentId ON auditEvent(incidentId);

                -- The database refuses to rewrite or delete the record. This stops mistakes and
                -- ordinary SQL clients; someone with the file can drop the triggers, and the MAC
                -- chain and the checkpoint outside the database are what catch that.
                CREATE TRIGGER auditEvent_no_update BEFORE UPDATE ON auditEvent
                BEGIN SELECT RAISE(ABORT, 'the audit record is append-only: rows cannot be changed'); END;
                CREATE TRIGGER auditEvent_no_delete BEFORE DELETE ON auditEvent
                BEGIN SELECT RAISE(ABORT, 'the audit record is append-only: rows cannot be deleted'); END;
                """)
        }

        migrator.registerMigration("v1-organisation-tokens") { db in
            // Only the SHA-256 of a token is kept: a copy of the database grants nothing.
            try db.execute(sql: """
                CREATE TABLE organisationToken (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    organisationId TEXT NOT NULL,
                    tokenHash TEXT NOT NULL UNIQUE,
                    hint TEXT NOT NULL,
                    createdAt INTEGER NOT NULL,
                    revokedAt INTEGER
                );
                CREATE INDEX organisationToken_organisationId ON organisationToken(organisationId);
                """)
        }

        migrator.registerMigration("v1-srt-read-key-generations") { db in
            // The generation of each caller's SRT read key (an organisation id, or 'admin'); no
            // row is generation 0, the key derived before rotation existed. Only ever raised.
            try db.execute(sql: """
                CREATE TABLE srtReadKeyGeneration (
                    caller TEXT NOT NULL PRIMARY KEY,
                    generation INTEGER NOT NULL CHECK (generation > 0),
                    rotatedAt INTEGER NOT NULL
                );
                """)
        }
        return migrator
    }
}
