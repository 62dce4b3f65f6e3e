import Foundation

/// One period during which a source was online; `onlineUntil` is nil while it still is.
public struct AvailabilityPeriod: Codable, Sendable, Hashable {
    public var path: String
    public var onlineFrom: Date
    public var onlineUntil: Date?

    public init(path: String, onlineFrom: Date, onlineUntil: Date?) {
        self.path = path
        self.onlineFrom = onlineFrom
        self.onlineUntil = onlineUntil
    }
}
