import Foundation

/// A source attached to a joint session.
public struct SessionFeed: Sendable, Hashable, Codable {
    public var path: SourcePath
    public var attachedBy: String
    public var attachedAt: Date

    public init(path: SourcePath, attachedBy: String, attachedAt: Date) {
        self.path = path
        self.attachedBy = attachedBy
        self.attachedAt = attachedAt
    }
}
