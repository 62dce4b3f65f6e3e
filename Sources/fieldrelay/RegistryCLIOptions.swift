import ArgumentParser
import Foundation
import RoomRegistry

/// The options every registry command shares (`--data`, `--json`), and the open-run-close frame
/// that turns registry errors into one line on stderr and a non-zero exit.
///
/// The commands never touch live status: the server owns it (it resets every source to offline
/// at start and flushes as connections come and go), and a CLI run beside a live server must not
/// overwrite what the server is tracking.
struct RegistryCLIOptions: ParsableArguments {
    @Option(name: .long, help: "Directory holding the registry database (default ./data).")
    var data: String = "./data"

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    var directory: URL { URL(fileURLWithPath: data) }

    /// How the command needs the database.
    enum Access {
        /// Reading and changing existing data: a missing database is an error, not a new empty one,
        /// so a mistyped `--data` is reported instead of silently listing nothing.
        case existing
        /// Creating data (seed, import): the database is created if missing.
        case createIfMissing
    }

    /// Opens the registry, runs `body`, closes the registry. Any registry error becomes a one-line
    /// message on stderr and exit status 1 (never a stack trace).
    func withRegistry<Value>(_ access: Access = .existing, _ body: (Registry) async throws -> Value) async throws -> Value {
        do {
            if access == .existing {
                let file = directory.appendingPathComponent(Registry.databaseFileName)
                guard FileManager.default.fileExists(atPath: file.path) else {
                    throw RegistryError(.notFound, "no registry at \(file.path); create one with `fieldrelay registry seed-demo --data \(data)`, "
                                        + "`fieldrelay rooms import FILE --data \(data)` or `fieldrelay serve --data \(data)`")
                }
            }
            let registry = try Registry.open(directory: directory)
            // Close on every path: GRDB checkpoints the WAL on close, leaving a tidy file behind.
            let result: Value
            do {
                result = try await body(registry)
            } catch {
                try? registry.close()
                throw error
            }
            try registry.close()
            return result
        } catch let error as RegistryError {
            CommandOutput.fail(error.description)
        }
    }

    /// Writes `value` as JSON (sorted keys, ISO 8601 dates: the same encoding as the REST API).
    func printJSON(_ value: some Encodable) throws {
        CommandOutput.write(try CommandOutput.json(value) + "\n")
    }
}
