import Foundation
import GRDB

/// The one error type of the ReportingStore module.
///
/// Callers (the gateway, the CLI) switch on `code`; `message` is for people. The database engine's
/// own wording only ever appears inside `message`, as a detail.
public struct ReportingStoreError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// The database, the key file or the checkpoint file does not exist.
        case notFound
        /// A file exists but does not hold what it should (short key, unreadable checkpoint, ...).
        case invalid
        /// The store was opened read-only (e.g. by `fieldrelay audit verify`).
        case readOnly
        /// Another writer holds the database lock longer than the busy timeout allows.
        case busy
        /// Any other storage failure (disk full, corrupt file, cannot open, cannot write).
        case storage
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Translates anything thrown below the store (GRDB, SQLite, Foundation).
    static func wrapping(_ error: any Error) -> ReportingStoreError {
        if let error = error as? ReportingStoreError { return error }
        if let error = error as? DatabaseError {
            let detail = error.message ?? "\(error.resultCode)"
            switch error.resultCode {
            case .SQLITE_READONLY:
                return ReportingStoreError(.readOnly, "the reporting database cannot be written: \(detail)")
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return ReportingStoreError(.busy, "the reporting database is locked by another writer: \(detail)")
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                return ReportingStoreError(.storage, "the reporting database is damaged or not a reporting database: \(detail)")
            default:
                return ReportingStoreError(.storage, "reporting storage failed: \(detail)")
            }
        }
        return ReportingStoreError(.storage, "reporting storage failed: \(error)")
    }
}
