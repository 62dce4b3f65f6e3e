import Foundation
import HTTPTypes
import Hummingbird
import JointReporting
import NIOCore

extension ReportingController {
    /// A comment line every so often keeps proxies and browsers from closing an idle stream.
    static var keepAliveInterval: Duration { .seconds(15) }

    func addEventRoutes(to api: RouterGroup<Context>) {
        api.get("sessions/{id}/events") { request, context in
            let viewer = try await reader(request, context).viewer
            let id = try context.parameters.require("id")
            let events = try await domain { () async throws(ReportingError) in
                try await coordinator.events(ofSession: id, as: viewer)
            }
            return try Self.json(ReportingResponse.EventList(events: events))
        }

        // Server-Sent Events (WHATWG HTML §9.2): the session's record so far (after
        // `Last-Event-ID`, when a browser reconnects), then each event as it is committed. The
        // token comes by header or `?token=` (an `EventSource` cannot send headers).
        api.get("sessions/{id}/events/stream") { request, context in
            let viewer = try await reader(request, context).viewer
            let id = try context.parameters.require("id")
            _ = try await domain { () async throws(ReportingError) in try await coordinator.session(id: id, as: viewer) }
            let lastSeen = request.headers[HTTPField.Name("Last-Event-ID")!].flatMap { Int($0) }
                ?? request.uri.queryParameters.get("lastEventId").flatMap { Int($0) } ?? 0
            // Subscribe before reading the history, so nothing committed in between is lost;
            // events seen in both are sent once (by sequence number).
            let live = await coordinator.subscribe { $0.sessionId == id }
            let history = try await domain { () async throws(ReportingError) in try await coordinator.events(ofSession: id, as: viewer) }
            let chunks = eventStream(session: id, viewer: viewer, history: history, live: live, after: lastSeen)
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream; charset=utf-8"
            headers[.cacheControl] = "no-store"
            // Tell nginx-style proxies not to buffer the stream.
            headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
            return Response(status: .ok, headers: headers, body: ResponseBody(asyncSequence: chunks))
        }
    }

    /// The stream's chunks: the `retry:` line and the history (from an array, however long: it
    /// used to go through a buffer that kept the newest 1,024 chunks, so a long session lost its
    /// first events and the `retry:` line), then live events and keep-alives. Ends when the viewer
    /// may no longer see the session (removed), when the client falls too far behind (it reconnects
    /// with `Last-Event-ID` and reads the rest from the record), or when it goes away (which cancels
    /// the producers).
    private func eventStream(
        session id: String, viewer: Viewer, history: [AuditEvent], live: AsyncStream<AuditEvent>, after lastSeen: Int
    ) -> EventStreamChunks {
        var head = [ByteBuffer(string: "retry: 2000\n\n")]
        var sent = lastSeen
        for event in history where event.seq > sent {
            head.append(Self.sse(event))
            sent = event.seq
        }
        // Live chunks wait here while the client reads; the oldest are kept, and a client that falls
        // this far behind is ended, never silently skipped.
        let (chunks, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingOldest(SessionCoordinator.subscriberBuffer))
        let coordinator = self.coordinator
        let forwarder = Task { [sent] in
            var sent = sent
            for await event in live where event.seq > sent {
                // Visibility can change with the very event (a removal): check before sending.
                guard (try? await coordinator.session(id: id, as: viewer)) != nil else { break }
                if case .dropped = continuation.yield(Self.sse(event)) { break }
                sent = event.seq
            }
            continuation.finish()
        }
        let keepAlive = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.keepAliveInterval)
                continuation.yield(ByteBuffer(string: ": keep-alive\n\n"))
            }
        }
        continuation.onTermination = { _ in
            forwarder.cancel()
            keepAlive.cancel()
        }
        return EventStreamChunks(head: head, live: chunks)
    }

    static func sse(_ event: AuditEvent) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        // JSON from JSONEncoder has no raw newlines, so one `data:` line carries it.
        return ByteBuffer(string: "id: \(event.seq)\nevent: \(event.kind.rawValue)\ndata: \(data)\n\n")
    }
}

/// A Server-Sent Events body: what was ready when the stream opened, then the live chunks. Read
/// as the client reads, so history costs no buffer of its own.
struct EventStreamChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let head: [ByteBuffer]
    let live: AsyncStream<ByteBuffer>

    struct AsyncIterator: AsyncIteratorProtocol {
        var head: IndexingIterator<[ByteBuffer]>
        var live: AsyncStream<ByteBuffer>.AsyncIterator

        mutating func next() async -> ByteBuffer? {
            if let chunk = head.next() { return chunk }
            return await live.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(head: head.makeIterator(), live: live.makeAsyncIterator())
    }
}
