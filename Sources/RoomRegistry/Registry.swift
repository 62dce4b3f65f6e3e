import Foundation
import GRDB
import Synchronization

/// The gateway's registry: areas, organisations, village rooms, devices, SRT keys and live status,
/// in one SQLite database (`<data>/registry.sqlite`, WAL mode) with in-memory indexes for the
/// paths that must not touch the disk (SRT admission, the area tree's live counts).
///
/// Methods that touch the database are `async`: GRDB runs them on its own serial queues, so no
/// Swift-concurrency or event-loop thread blocks on SQLite or on another process's lock.
public final class Registry: Sendable {
    public static let databaseFileName = "registry.sqlite"

    let writer: any DatabaseWriter
    /// The SRT admission table (memory only; kept in step with every write).
    public let admission: AdmissionIndex
    /// Live status of every source (memory, flushed coalesced).
    public let status: StatusRecorder
    /// The database file, or nil for an in-memory registry.
    public let databaseURL: URL?
    public let isReadOnly: Bool

    let tree: Mutex<AreaTree>
    /// The key of the points' credentials (`<data>/points.key`).
    let pointKey: PointCredentialKey
    /// Last `PRAGMA data_version` seen on the writer connection (see `reload`).
    private let dataVersion = Mutex<Int?>(nil)
    private let observers: Mutex<Observers>

    private struct Observers: Sendable {
        var handler: (@Sendable (SourceChange) -> Void)?
        var streams: [Int: AsyncStream<SourceChange>.Continuation] = [:]
        var nextID = 0
    }

    // MARK: - Opening

    /// Opens (creating if needed) `<directory>/registry.sqlite` and migrates it.
    public static func open(directory: URL, options: RegistryOptions = RegistryOptions()) throws -> Registry {
        let url = directory.appendingPathComponent(databaseFileName)
        if !options.readOnly {
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw RegistryError(.storage, "cannot create data directory \(directory.path): \(error.localizedDescription)")
            }
        } else if !FileManager.default.fileExists(atPath: url.path) {
            throw RegistryError(.notFound, "no registry database at \(url.path)")
        }
        do {
            let pool = try DatabasePool(path: url.path, configuration: configuration(options))
            return try Registry(writer: pool, url: url, readOnly: options.readOnly)
        } catch {
            throw RegistryError.wrapping(error)
        }
    }

    /// An empty registry in memory, for tests and tools.
    public static func openInMemory() throws -> Registry {
        do {
            let queue = try DatabaseQueue(configuration: configuration(RegistryOptions()))
            return try Registry(writer: queue, url: nil, readOnly: false)
        } catch {
            throw RegistryError.wrapping(error)
        }
    }

    private static func configuration(_ options: RegistryOptions) -> Configuration {
        var config = Configuration()
        config.label = "fieldrelay.registry"
        // Another process (the CLI beside a running server) may hold the write lock briefly;
        // wait for it instead of failing at once.
        config.busyMode = .timeout(options.busyTimeout)
        config.readonly = options.readOnly
        config.foreignKeysEnabled = true
        return config
    }

    private init(writer: any DatabaseWriter, url: URL?, readOnly: Bool) throws {
        let migrator = RegistrySchema.migrator
        // Check before migrating: `migrate` takes the write lock even when nothing is pending,
        // which would make an up-to-date but read-only file fail to open.
        let upToDate = try writer.read { try migrator.hasCompletedMigrations($0) }
        if !upToDate {
            if readOnly {
                throw RegistryError(.readOnly, "the registry database needs migrating; open it once with write access")
            }
            try migrator.migrate(writer)
        }
        let (entries, tree, live, pointAreas, credentials) = try writer.read { db in
            (try AdmissionIndex.loadAll(db), try AreaTree.load(db), try StatusRecorder.loadAll(db), try AdmissionIndex.loadPointAreas(db),
             try Self.storedCredentials(db))
        }
        let pointKey = url.map { PointCredentialKey(directory: $0.deletingLastPathComponent()) } ?? PointCredentialKey.inMemory()
        // Stored credentials need the key that sealed them: refuse to open without it rather than
        // run with every camera password unreadable (or make a new key over them).
        try pointKey.verify(sample: credentials.sample, count: credentials.count)
        self.pointKey = pointKey
        self.writer = writer
        databaseURL = url
        isReadOnly = readOnly
        admission = AdmissionIndex(entries: entries, pointAreas: pointAreas)
        status = StatusRecorder(writer: writer, loaded: live, readOnly: readOnly)
        self.tree = Mutex(tree)
        observers = Mutex(Observers())
    }

    /// How many points have stored credentials, and one of them (id and sealed box) to try the key on.
    private static func storedCredentials(_ db: Database) throws -> (count: Int, sample: (id: String, sealed: Data)?) {
        guard let row = try Row.fetchOne(db, sql: "SELECT id, credentials FROM point WHERE credentials IS NOT NULL LIMIT 1") else {
            return (0, nil)
        }
        // Counted only when there are any (a scan; the message says how many would be lost).
        let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM point WHERE credentials IS NOT NULL") ?? 0
        return (count, (row[0], row[1]))
    }

    /// Closes the database. Call `status.flush()` first to keep the latest live state.
    public func close() throws {
        observers.withLock { observers in
            for continuation in observers.streams.values { continuation.finish() }
            observers.streams.removeAll()
        }
        do {
            try writer.close()
        } catch {
            throw RegistryError.wrapping(error)
        }
    }

    // MARK: - Change notification

    /// Called after every committed change that affects admission (key rotated, device revoked,
    /// source added or removed), on the writing task's thread. The SRT layer uses it to cut a
    /// revoked device's or rotated key's live connection. Keep it short; it must not block.
    public var onSourceChanged: (@Sendable (SourceChange) -> Void)? {
        get { observers.withLock { $0.handler } }
        set { observers.withLock { $0.handler = newValue } }
    }

    /// The same changes as an `AsyncStream` (one stream per call; ends at `close()`).
    public func sourceChanges() -> AsyncStream<SourceChange> {
        let (stream, continuation) = AsyncStream.makeStream(of: SourceChange.self, bufferingPolicy: .bufferingNewest(4096))
        let id = observers.withLock { observers in
            let id = observers.nextID
            observers.nextID += 1
            observers.streams[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.observers.withLock { $0.streams.removeValue(forKey: id) }
        }
        return stream
    }

    private func notify(_ changes: [SourceChange]) {
        guard !changes.isEmpty else { return }
        let (handler, streams) = observers.withLock { ($0.handler, Array($0.streams.values)) }
        for change in changes {
            handler?(change)
            for continuation in streams { continuation.yield(change) }
        }
    }

    // MARK: - Database access helpers

    /// Runs `body` in an immediate transaction on the serialised writer, then, still on the
    /// writer (so in commit order), brings the admission index and area tree in step; observers
    /// are told after the writer is released.
    func write<Value: Sendable>(_ body: @Sendable (Database) throws -> WriteOutcome<Value>) async throws -> Value {
        guard !isReadOnly else {
            throw RegistryError(.readOnly, "the registry was opened read-only")
        }
        let result: (Value, [SourceChange])
        do {
            result = try await writer.writeWithoutTransaction { db in
                var outcome: WriteOutcome<Value>?
                try db.inTransaction(.immediate) {
                    outcome = try body(db)
                    return .commit
                }
                guard let outcome else {
                    throw RegistryError(.storage, "a registry write finished without a result")
                }
                var changes: [SourceChange] = []
                switch outcome.admission {
                case .unchanged:
                    break
                case let .upsert(entries, removing):
                    changes = self.admission.apply(upserts: entries, removals: removing)
                case let .replaceAll(entries):
                    changes = self.admission.replaceAll(with: entries)
                }
                if let tree = outcome.tree {
                    self.tree.withLock { $0 = tree }
                }
                self.admission.applyPoints(outcome.points)
                return (outcome.value, changes)
            }
        } catch {
            throw RegistryError.wrapping(error)
        }
        notify(result.1)
        return result.0
    }

    func read<Value: Sendable>(_ body: @Sendable (Database) throws -> Value) async throws -> Value {
        do {
            return try await writer.read(body)
        } catch {
            throw RegistryError.wrapping(error)
        }
    }

    /// Re-reads the admission index and area tree from the database, for changes committed by
    /// another process (e.g. the CLI adding a device while the server runs); observers are told
    /// what changed. With `onlyIfChangedExternally`, first asks SQLite whether any other connection
    /// committed since the last check (`PRAGMA data_version`, a cheap call the server can make
    /// every few seconds). Returns the number of sources whose admission changed.
    @discardableResult
    public func reload(onlyIfChangedExternally: Bool = false) async throws -> Int {
        let changes: [SourceChange]
        do {
            // On the serialised writer, so a concurrent local write cannot be overwritten by an
            // older snapshot.
            changes = try await writer.writeWithoutTransaction { db in
                let version = try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0
                let previous = self.dataVersion.withLock { old -> Int? in
                    defer { old = version }
                    return old
                }
                if onlyIfChangedExternally, previous == version { return [] }
                var entries: [String: AdmissionEntry] = [:]
                var tree = AreaTree.empty
                var pointAreas: [String: String] = [:]
                // One read transaction: index, tree and points from the same snapshot.
                try db.inTransaction(.deferred) {
                    entries = try AdmissionIndex.loadAll(db)
                    tree = try AreaTree.load(db)
                    pointAreas = try AdmissionIndex.loadPointAreas(db)
                    return .commit
                }
                self.tree.withLock { $0 = tree }
                self.admission.applyPoints(.replaceAll(pointAreas))
                return self.admission.replaceAll(with: entries)
            }
        } catch {
            throw RegistryError.wrapping(error)
        }
        notify(changes)
        return changes.count
    }
}
