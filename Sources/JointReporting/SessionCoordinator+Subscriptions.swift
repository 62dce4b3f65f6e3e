import Foundation

extension SessionCoordinator {
    /// How many events a subscriber may fall behind before the oldest are dropped. A stalled
    /// console must never hold up the coordinator; it can re-read the record to catch up.
    public static let subscriberBuffer = 1_024

    /// A live stream of events as they are committed (for Server-Sent Events). `filter` runs on
    /// the coordinator for each event, e.g. to keep to one session and to what a viewer may see.
    public func subscribe(where filter: @escaping @Sendable (AuditEvent) -> Bool = { _ in true }) -> AsyncStream<AuditEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: AuditEvent.self, bufferingPolicy: .bufferingNewest(Self.subscriberBuffer))
        let id = UUID()
        subscribers[id] = Subscriber(filter: filter, continuation: continuation)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    /// Number of live subscribers (for metrics and tests).
    public var subscriberCount: Int { subscribers.count }

    func unsubscribe(_ id: UUID) {
        subscribers[id] = nil
    }

    func publish(_ event: AuditEvent) {
        for subscriber in subscribers.values where subscriber.filter(event) {
            subscriber.continuation.yield(event)
        }
    }
}
