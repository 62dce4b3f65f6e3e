import GRDB

/// The registry's schema as an append-only list of named migrations.
///
/// Never edit a migration that has landed: databases in the field have recorded its name as
/// applied and would silently miss the edit. Add a new named migration instead.
enum RegistrySchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1-areas-orgs-rooms-devices-keys") { db in
            // Raw SQL keeps the migration frozen: a later change to a Swift helper cannot alter it.
            try db.execute(sql: """
                CREATE TABLE area (
                    code TEXT NOT NULL PRIMARY KEY,
                    name TEXT NOT NULL,
                    level TEXT NOT NULL CHECK (level IN ('city', 'county', 'township', 'village')),
                    parentCode TEXT REFERENCES area(code),
                    synthetic BOOLEAN NOT NULL DEFAULT 0
                );
                CREATE INDEX area_parentCode ON area(parentCode);

                CREATE TABLE organisation (
                    id TEXT NOT NULL PRIMARY KEY,
                    name TEXT NOT NULL,
                    level TEXT NOT NULL CHECK (level IN ('city', 'county', 'township', 'department')),
                    areaCode TEXT NOT NULL REFERENCES area(code),
                    synthetic BOOLEAN NOT NULL DEFAULT 0
                );
                CREATE INDEX organisation_areaCode ON organisation(areaCode);

                CREATE TABLE room (
                    code TEXT NOT NULL PRIMARY KEY REFERENCES area(code),
                    name TEXT NOT NULL,
                    townshipCode TEXT NOT NULL REFERENCES area(code),
                    latitude DOUBLE NOT NULL CHECK (latitude BETWEEN -90 AND 90),
                    longitude DOUBLE NOT NULL CHECK (longitude BETWEEN -180 AND 180),
                    synthetic BOOLEAN NOT NULL DEFAULT 0,
                    equipmentNote TEXT
                );
                CREATE INDEX room_townshipCode ON room(townshipCode);

                CREATE TABLE device (
                    id TEXT NOT NULL PRIMARY KEY,
                    name TEXT NOT NULL,
                    organisationId TEXT NOT NULL REFERENCES organisation(id),
                    state TEXT NOT NULL CHECK (state IN ('active', 'revoked')),
                    createdAt DATETIME NOT NULL
                );
                CREATE INDEX device_organisationId ON device(organisationId);

                -- Rotation retires a key and inserts a new row, so when each key was created (and
                -- retired) stays on record. At most one current key per source.
                CREATE TABLE srtKey (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    sourcePath TEXT NOT NULL,
                    passphrase TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    retiredAt DATETIME
                );
                CREATE UNIQUE INDEX srtKey_current ON srtKey(sourcePath) WHERE retiredAt IS NULL;
                CREATE INDEX srtKey_sourcePath ON srtKey(sourcePath);
                """)
        }

        migrator.registerMigration("v1-status-history") { db in
            try db.execute(sql: """
                -- Written coalesced by StatusRecorder.flush(), not per update.
                CREATE TABLE liveStatus (
                    sourcePath TEXT NOT NULL PRIMARY KEY,
                    status TEXT NOT NULL CHECK (status IN ('online', 'reconnecting', 'stalled', 'offline')),
                    since DATETIME,
                    lastMediaAt DATETIME,
                    bitrate INTEGER,
                    rttMs DOUBLE,
                    lossPercent DOUBLE,
                    retransmits INTEGER,
                    updatedAt DATETIME
                );

                CREATE TABLE availabilityPeriod (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    sourcePath TEXT NOT NULL,
                    onlineFrom DATETIME NOT NULL,
                    onlineUntil DATETIME
                );
                CREATE INDEX availabilityPeriod_sourcePath ON availabilityPeriod(sourcePath, onlineFrom);
                CREATE INDEX availabilityPeriod_open ON availabilityPeriod(sourcePath) WHERE onlineUntil IS NULL;
                """)
        }

        migrator.registerMigration("v2-points") { db in
            try db.execute(sql: """
                -- Surveillance points (issue 15): pulled on demand, never publishing. No CHECK on
                -- sourceKind: GB/T 28181 joins rtsp without a table rebuild (validated in Swift).
                CREATE TABLE point (
                    id TEXT NOT NULL PRIMARY KEY,
                    name TEXT NOT NULL,
                    network TEXT NOT NULL CHECK (network IN ('skynet', 'sharp-eyes', 'smart-village', 'other')),
                    areaCode TEXT NOT NULL REFERENCES area(code),
                    latitude DOUBLE NOT NULL CHECK (latitude BETWEEN -90 AND 90),
                    longitude DOUBLE NOT NULL CHECK (longitude BETWEEN -180 AND 180),
                    sourceKind TEXT NOT NULL,
                    url TEXT NOT NULL,
                    transport TEXT NOT NULL DEFAULT 'tcp' CHECK (transport IN ('tcp', 'udp')),
                    -- AES-GCM sealed box (nonce, ciphertext, tag) of username and password under the
                    -- key in <data>/points.key, bound to the id; NULL when the point has none.
                    credentials BLOB,
                    enabled BOOLEAN NOT NULL DEFAULT 1,
                    synthetic BOOLEAN NOT NULL DEFAULT 0,
                    createdAt DATETIME NOT NULL,
                    updatedAt DATETIME NOT NULL
                );
                -- Area codes extend their parents, so a county or township is one range of this
                -- index, already in the list's order (area, then id).
                CREATE INDEX point_area ON point(areaCode, id);
                -- The bounding-box prefilter of `near` (latitude range, longitude checked in the index).
                CREATE INDEX point_location ON point(latitude, longitude);
                """)
        }

        return migrator
    }
}
