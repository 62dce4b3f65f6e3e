import Foundation
import GRDB
import RecordingStore

/// What a crash, a failing disk or someone with the files can do to a recording directory, done
/// by hand: edits of the index and the ledger straight in SQLite, bytes changed in the files, and
/// the directory as a crash would leave it.
enum RecordingDamage {
    /// Runs `sql` on the index as another process would (the gateway's own connection stays open).
    static func sql(_ directory: URL, _ sql: String, _ arguments: StatementArguments = []) throws {
        let queue = try DatabaseQueue(path: directory.appendingPathComponent(RecordingDatabase.fileName).path)
        try queue.write { try $0.execute(sql: sql, arguments: arguments) }
    }

    /// Rewrites a ledger row as an attacker with the file would: the append-only triggers dropped first.
    static func rewriteLedger(_ directory: URL, _ sql: String, _ arguments: StatementArguments = []) throws {
        try Self.sql(directory, """
            DROP TRIGGER IF EXISTS recording_ledger_append_only_update;
            DROP TRIGGER IF EXISTS recording_ledger_append_only_delete;
            """)
        try Self.sql(directory, sql, arguments)
    }

    static func bytes(_ file: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: file)) }

    static func write(_ file: URL, _ bytes: [UInt8]) throws { try Data(bytes).write(to: file) }

    static func flipByte(_ file: URL, at offset: Int64) throws {
        var bytes = try bytes(file)
        bytes[Int(offset)] ^= 0x5A
        try write(file, bytes)
    }

    static func append(_ file: URL, _ extra: [UInt8]) throws { try write(file, try bytes(file) + extra) }

    static func insert(_ file: URL, _ extra: [UInt8], at offset: Int64) throws {
        var bytes = try bytes(file)
        bytes.insert(contentsOf: extra, at: Int(offset))
        try write(file, bytes)
    }

    static func truncate(_ file: URL, to length: Int64) throws {
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: UInt64(length))
        try handle.close()
    }

    static func size(_ file: URL) throws -> Int64 {
        (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value ?? -1
    }
}

/// A directory removed with its contents when the test ends.
final class ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("fieldrelay-recording-scratch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeAll(at: url) }
}

extension RecordingFixture {
    /// The recording directory as kill -9 would leave it now: files and index copied while the
    /// writer holds them open (idle, everything it acknowledged synced), the index's shared-memory
    /// file left behind as a new process would not find it.
    func crashImage(in scratch: ScratchDirectory) throws -> URL {
        let image = scratch.url.appendingPathComponent("recordings")
        try FileManager.default.copyItem(at: directory, to: image)
        try FileManager.default.removeAll(at: image.appendingPathComponent(RecordingDatabase.fileName + "-shm"))
        return image
    }
}
