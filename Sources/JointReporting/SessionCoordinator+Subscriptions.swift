import Foundation

extension SessionCoordinator {
    /// How many events a subscriber may fall behind. A stalled console must never hold up the
    /// coordinator: one that falls further behind has its stream ended after the last event it
    /// holds (never a silent gap), and catches up from the record (an `EventSource` reconnects with
    /// `Last-Event-ID`).
    public static let subscriberBuffer = 1_024

    /// A live stream of events as they are committed (for Server-Sent Events). `filter` runs on
    /// the coordinator for each event, e.g. to keep to one session and to what a viewer may see.
    public func subscribe(where filter: @escaping @Sendable (AuditEvent) -> Bool = { _ in true }) -> AsyncStream<AuditEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: AuditEvent.self, bufferingPolicy: .bufferingOldest(Self.subscriberBuffer))
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
        for (id, subscriber) in subscribers where subscriber.filter(event) {
            // The buffer keeps the oldest events: what it holds stays contiguous, and the stream
            // ends right after it, so the consumer knows where to resume.
            if case .dropped = subscriber.continuation.yield(event) {
                subscriber.continuation.finish()
                subscribers[id] = nil
            }
        }
    }
}
