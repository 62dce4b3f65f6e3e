import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Sits in every HTTP connection's pipeline (Hummingbird's `additionalChannelHandlers`, after the
/// HTTP/1 decoder) and enforces `HTTPEdgeLimits`: the connection cap, the idle and body timeouts,
/// the header and body sizes. Each refusal is counted. It only sees decoded request parts, so a
/// request head dribbled byte by byte is simply "no request yet" and falls to the idle timeout.
final class HTTPEdgeGuard: ChannelDuplexHandler, RemovableChannelHandler {
    /// How the guard stands to its connection's slot in `HTTPConnectionSlots`.
    enum Role {
        /// Plain HTTP/1: the guard takes the connection's slot (or refuses the connection) and gives
        /// it back when the connection closes.
        case connection
        /// HTTPS: the TLS connection took its slot when accepted (`HTTPEdge.admitConnection`); this
        /// guard, one per HTTP/2 stream or the one in an HTTP/1.1-over-TLS connection, only marks
        /// that connection busy while its requests are in progress.
        case request
    }

    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Inbound {
        case awaitingHead
        case readingBody(bytes: Int)
        /// A refused request's remaining parts are dropped; the connection is closing.
        case refused
    }

    private let limits: HTTPEdgeLimits
    private let counters: HTTPEdgeCounters
    private let slots: HTTPConnectionSlots
    private let role: Role
    /// The connection's slot; nil before admission, after the guard finished, or for a request
    /// guard whose connection holds none.
    private var slotID: Int?
    private var admitted = false
    private var inbound = Inbound.awaitingHead
    /// Requests whose response has not ended yet (more than one only with pipelining).
    private var responsesPending = 0
    private var timer: Scheduled<Void>?
    /// `limits.idleTimeout`, except on an HTTP/2 stream: one request, no keep-alive to time out
    /// (HTTP/2's own idle timeout covers the connection).
    private var idleTimeout: Duration

    init(limits: HTTPEdgeLimits, counters: HTTPEdgeCounters, slots: HTTPConnectionSlots, role: Role) {
        self.limits = limits
        self.idleTimeout = limits.idleTimeout
        self.counters = counters
        self.slots = slots
        self.role = role
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
    }

    private func admit(_ context: ChannelHandlerContext) {
        guard !admitted else { return }
        admitted = true
        switch role {
        case .connection:
            guard let id = slots.take(context.channel) else {
                inbound = .refused
                context.close(promise: nil)
                return
            }
            slotID = id
        case .request:
            // Under HTTP/1.1 over TLS the guard is in the connection's own pipeline; on an HTTP/2
            // stream the connection is the stream channel's parent.
            if let own = slots.slot(of: context.channel) {
                // HTTP/1.1 over TLS: a keep-alive connection like a plain one, idle timeout and all.
                slotID = own
            } else {
                slotID = context.channel.parent.flatMap { slots.slot(of: $0) }
                idleTimeout = .seconds(3600)
            }
        }
        rearm(context)
    }

    private func finish() {
        timer?.cancel()
        timer = nil
        running = nil
        if let slotID {
            switch role {
            case .connection: slots.release(slotID)
            case .request: if busyReported { slots.requestEnded(slotID) }
            }
        }
        slotID = nil
        busyReported = false
    }

    // MARK: Requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (inbound, part) {
        case (.refused, _):
            return
        case (_, .head(let head)):
            if let declared = head.headerFields[.contentLength].flatMap({ Int($0) }), declared > limits.maxBodyBytes {
                counters.bodyTooLarge.increment()
                refuse(context, status: .contentTooLarge)
                return
            }
            inbound = .readingBody(bytes: 0)
            responsesPending += 1
        case (.readingBody(let bytes), .body(let buffer)):
            let total = bytes + buffer.readableBytes
            guard total <= limits.maxBodyBytes else {
                // A streamed (chunked) body past the limit: the route may already be answering, so
                // no second response is written; the connection is cut.
                counters.bodyTooLarge.increment()
                inbound = .refused
                context.close(promise: nil)
                return
            }
            inbound = .readingBody(bytes: total)
        case (_, .end):
            inbound = .awaitingHead
        default:
            break
        }
        rearm(context)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            responsesPending = max(0, responsesPending - 1)
            rearm(context)
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if parserError == .headerOverflow {
            // NIO's decoder stopped at maxHeaderBytes; Hummingbird would answer a bare 400.
            counters.headerTooLarge.increment()
            refuse(context, status: .requestHeaderFieldsTooLarge)
            return
        }
        counters.malformed.increment()
        context.fireErrorCaught(error)
    }

    /// Answers the refusal (unless a response is already under way) and closes the connection.
    private func refuse(_ context: ChannelHandlerContext, status: HTTPResponse.Status) {
        inbound = .refused
        rearm(context)
        guard responsesPending == 0 else {
            context.close(promise: nil)
            return
        }
        let head = HTTPResponse(status: status, headerFields: [.connection: "close", .contentLength: "0"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    // MARK: Timeouts

    /// One timer at a time: the body timeout while a body is arriving (from its head, not reset by
    /// each chunk), the idle timeout while no request is in progress, none while a response is being
    /// worked on (a held Low-Latency HLS request is not idle).
    private func rearm(_ context: ChannelHandlerContext) {
        let want: TimerKind?
        switch inbound {
        case .refused: want = nil
        case .readingBody: want = .body
        case .awaitingHead: want = responsesPending == 0 ? .idle : nil
        }
        let busy = want != .idle
        if busy != busyReported, let slotID {
            if busy { slots.requestStarted(slotID) } else { slots.requestEnded(slotID) }
            busyReported = busy
        }
        if want != nil, want == running { return }
        timer?.cancel()
        timer = nil
        running = want
        guard let want else { return }
        let after = want == .body ? limits.bodyTimeout : idleTimeout
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(after)) { [self] in
            timer = nil
            running = nil
            switch want {
            case .body: counters.bodyTimeouts.increment()
            case .idle: counters.idleTimeouts.increment()
            }
            inbound = .refused
            context.close(promise: nil)
        }
    }

    private enum TimerKind { case idle, body }
    private var running: TimerKind?
    /// Whether this guard has told the slots its connection is busy (a `requestStarted` not yet
    /// matched by `requestEnded`).
    private var busyReported = false
}
