import Foundation
import GRDB

extension RegistryError {
    /// Translates anything thrown below the registry (GRDB, SQLite, Foundation) into a
    /// `RegistryError`, keeping the engine's wording only as a detail inside the message.
    static func wrapping(_ error: any Error) -> RegistryError {
        if let error = error as? RegistryError { return error }
        if error is CancellationError { return RegistryError(.cancelled, "the registry operation was cancelled") }
        if let error = error as? DatabaseError {
            let detail = error.message ?? "\(error.resultCode)"
            switch error.resultCode {
            case .SQLITE_READONLY:
                return RegistryError(.readOnly, "the registry database cannot be written (read-only file or directory): \(detail)")
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return RegistryError(.busy, "the registry database is locked by another writer; try again: \(detail)")
            case .SQLITE_CONSTRAINT:
                return RegistryError(.conflict, "the change contradicts existing registry data: \(detail)")
            case .SQLITE_FULL:
                return RegistryError(.storage, "the disk holding the registry is full: \(detail)")
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                return RegistryError(.storage, "the registry file is damaged or not a registry database: \(detail)")
            case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH:
                return RegistryError(.storage, "the registry database cannot be opened: \(detail)")
            default:
                return RegistryError(.storage, "registry storage failed: \(detail)")
            }
        }
        return RegistryError(.storage, "registry storage failed: \(error)")
    }
}
