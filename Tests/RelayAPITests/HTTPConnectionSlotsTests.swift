import NIOCore
import NIOEmbedded
import Testing
@testable import RelayAPI

/// The connection slots' bookkeeping on its own: eviction order, refusal, and the per-connection
/// count of requests in progress (several HTTP/2 streams on one TLS connection), whatever order
/// requests and connections end in.
@Suite("HTTP connection slots: one limit, idle connections evicted, busy ones kept")
struct HTTPConnectionSlotsTests {
    @Test("at the limit the connection idle longest is evicted; with every connection busy a new one is refused; all counted")
    func evictionAndRefusal() throws {
        let counters = HTTPEdgeCounters()
        let slots = HTTPConnectionSlots(limit: 2, counters: counters)
        let first = EmbeddedChannel(), second = EmbeddedChannel(), third = EmbeddedChannel(), fourth = EmbeddedChannel()
        let a = try #require(slots.take(first))
        let b = try #require(slots.take(second))
        #expect(counters.connectionsActive.load(ordering: .relaxed) == 2)
        // `first` became idle before `second`: it makes room.
        let c = try #require(slots.take(third))
        #expect(slots.slot(of: first) == nil)
        #expect(counters.idleEvicted.load(ordering: .relaxed) == 1)
        slots.release(a)  // the evicted connection's own close: nothing left to free
        #expect(slots.count == 2)

        slots.requestStarted(b)
        slots.requestStarted(c)
        #expect(counters.connectionsBusy.load(ordering: .relaxed) == 2)
        #expect(slots.take(fourth) == nil)
        #expect(counters.connectionsRefused.load(ordering: .relaxed) == 1)
        #expect(slots.slot(of: second) == b && slots.slot(of: third) == c)

        // One ends its request: it is idle now and the next newcomer takes its place.
        slots.requestEnded(b)
        #expect(slots.take(fourth) != nil)
        #expect(slots.slot(of: second) == nil)
        #expect(slots.slot(of: third) == c)
        #expect(counters.idleEvicted.load(ordering: .relaxed) == 2)
        #expect(counters.connectionsActive.load(ordering: .relaxed) == 2)
        #expect(counters.connectionsBusy.load(ordering: .relaxed) == 1)
    }

    @Test("a connection with several requests in progress is busy until the last ends, then idle behind those idle longer")
    func requestsInProgress() throws {
        let counters = HTTPEdgeCounters()
        let slots = HTTPConnectionSlots(limit: 2, counters: counters)
        let tls = EmbeddedChannel(), plain = EmbeddedChannel(), newcomer = EmbeddedChannel()
        let connection = try #require(slots.take(tls))
        _ = try #require(slots.take(plain))
        slots.requestStarted(connection)  // stream 1
        slots.requestStarted(connection)  // stream 3
        slots.requestEnded(connection)
        #expect(slots.requestsInProgress(connection) == 1)
        // Still busy: the idle plain connection is the one to go.
        #expect(slots.take(newcomer) != nil)
        #expect(slots.slot(of: plain) == nil && slots.slot(of: tls) == connection)
        slots.requestEnded(connection)
        #expect(slots.requestsInProgress(connection) == 0)
        #expect(counters.connectionsBusy.load(ordering: .relaxed) == 0)
        // An unmatched end changes nothing.
        slots.requestEnded(connection)
        #expect(slots.requestsInProgress(connection) == 0)
    }

    @Test("a connection closed with requests in progress frees its slot; the requests ending later change nothing")
    func closedInAnyOrder() throws {
        let counters = HTTPEdgeCounters()
        let slots = HTTPConnectionSlots(limit: 4, counters: counters)
        let tls = EmbeddedChannel()
        let connection = try #require(slots.take(tls))
        slots.requestStarted(connection)
        slots.requestStarted(connection)
        #expect(counters.connectionsBusy.load(ordering: .relaxed) == 1)
        slots.release(connection)
        #expect(slots.count == 0)
        #expect(slots.slot(of: tls) == nil)
        #expect(counters.connectionsActive.load(ordering: .relaxed) == 0)
        #expect(counters.connectionsBusy.load(ordering: .relaxed) == 0)
        slots.requestEnded(connection)
        slots.requestEnded(connection)
        slots.release(connection)
        #expect(slots.requestsInProgress(connection) == nil)
        // The same channel accepted again (it cannot be, but its identifier could be reused) gets a new slot.
        let again = try #require(slots.take(tls))
        #expect(again != connection)
        slots.requestEnded(connection)
        #expect(slots.requestsInProgress(again) == 0)
        #expect(counters.connectionsActive.load(ordering: .relaxed) == 1)
    }
}
