import Foundation

/// The one error type of the RoomRegistry module.
///
/// Callers (REST, CLI) switch on `code` to choose a status or exit code; `message` is for people.
/// Storage failures are translated here so that no caller has to know SQLite's vocabulary: the
/// engine's own text only ever appears inside `message`, as a detail.
public struct RegistryError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// The named area, room, device, organisation or source does not exist.
        case notFound
        /// Something with that identity already exists.
        case duplicate
        /// The input is malformed (bad code, bad id, bad CSV, bad coordinates, ...).
        case invalid
        /// The request is well formed but contradicts the current state (e.g. rotating a revoked device's key).
        case conflict
        /// The database file cannot be written (read-only file, directory or mount).
        case readOnly
        /// Another writer holds the database lock longer than the busy timeout allows.
        case busy
        /// Any other storage failure (disk full, corrupt file, cannot open).
        case storage
        /// The task was cancelled while waiting for the database.
        case cancelled
    }

    public let code: Code
    public let message: String
    /// 1-based line of an imported file the error refers to, if any.
    public let line: Int?
    /// Column (field) name of an imported file the error refers to, if any.
    public let field: String?

    public init(_ code: Code, _ message: String, line: Int? = nil, field: String? = nil) {
        self.code = code
        self.message = message
        self.line = line
        self.field = field
    }

    public var description: String {
        switch (line, field) {
        case let (line?, field?): return "line \(line), field \(field): \(message)"
        case let (line?, nil): return "line \(line): \(message)"
        case let (nil, field?): return "field \(field): \(message)"
        case (nil, nil): return message
        }
    }
}
