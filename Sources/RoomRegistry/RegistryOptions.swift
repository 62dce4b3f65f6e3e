import Foundation

/// How to open a registry.
public struct RegistryOptions: Sendable, Hashable {
    /// How long a write waits for another process's lock before failing with `.busy`.
    public var busyTimeout: TimeInterval
    /// Open without write access (e.g. a CLI listing rooms while the server runs). The database
    /// must already exist and be migrated.
    public var readOnly: Bool

    public init(busyTimeout: TimeInterval = 5, readOnly: Bool = false) {
        self.busyTimeout = busyTimeout
        self.readOnly = readOnly
    }
}
