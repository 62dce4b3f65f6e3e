import Foundation

/// One key a source has had (without the secret): when it was created and retired.
public struct KeyHistoryEntry: Codable, Sendable, Hashable {
    public var createdAt: Date
    /// nil for the current key.
    public var retiredAt: Date?

    public init(createdAt: Date, retiredAt: Date?) {
        self.createdAt = createdAt
        self.retiredAt = retiredAt
    }
}
