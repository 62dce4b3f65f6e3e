import CSRT
import Foundation
import Logging
import Synchronization

/// One thread serving many SRT sockets through libsrt's epoll. Sockets are non-blocking
/// (SRTO_RCVSYN off); a connection's data and its close are delivered on this thread only.
final class ReceiveLoop: @unchecked Sendable {
    // @unchecked: `entries`, `buffer` and `events` are confined to the loop thread; everything other
    // threads touch goes through `pending` (a Mutex) or libsrt's thread-safe calls.
    let index: Int
    let eid: Int32
    private let logger: Logger
    private let counters: SRTServerCounters
    private let pending = Mutex(Pending())
    private let finished = DispatchSemaphore(value: 0)
    private var entries: [Int32: Entry] = [:]
    private var listener: Int32?
    private var onListenerReadable: (() -> Void)?

    private struct Pending {
        var adds: [(SRTConnection, any SRTConnectionHandler, SequenceReorderer?)] = []
        var closes: [(Int32, String)] = []
        var stopping = false
    }

    private final class Entry {
        let connection: SRTConnection
        let handler: any SRTConnectionHandler
        /// Present for publishers delivered on arrival (TSBPD off): puts packets back in order.
        var reorderer: SequenceReorderer?
        /// The reorderer's counts already added to the server's totals.
        var counted = (reordered: 0, skipped: 0, late: 0)

        init(connection: SRTConnection, handler: any SRTConnectionHandler, reorderer: SequenceReorderer?) {
            self.connection = connection
            self.handler = handler
            self.reorderer = reorderer
        }
    }
    /// Sockets whose reorderer holds packets behind a gap: checked for expiry on every turn.
    private var gapSockets: Set<Int32> = []

    /// The loop wakes at least this often to pick up adds and closes requested by other threads.
    static let wakeIntervalMilliseconds: Int64 = 20
    /// A socket yields after this many messages so one busy camera cannot starve the others.
    static let messagesPerTurn = 64

    private let batchMicroseconds: UInt32

    init(index: Int, logger: Logger, counters: SRTServerCounters, batchMilliseconds: Int = 0) throws(SRTError) {
        self.index = index
        self.batchMicroseconds = UInt32(max(0, batchMilliseconds) * 1000)
        self.logger = logger
        self.counters = counters
        let eid = srt_epoll_create()
        guard eid >= 0 else { throw SRTError(.epoll, "srt_epoll_create: \(lastErrorText())") }
        // Without ENABLE_EMPTY, waiting on an epoll with no sockets is an error, not a wait.
        _ = srt_epoll_set(eid, Int32(SRT_EPOLL_ENABLE_EMPTY.rawValue))
        self.eid = eid
    }

    func attachListener(_ socket: Int32, onReadable: @escaping () -> Void) throws(SRTError) {
        var events = Int32(SRT_EPOLL_IN.rawValue | SRT_EPOLL_ERR.rawValue)
        guard srt_epoll_add_usock(eid, socket, &events) == 0 else {
            throw SRTError(.epoll, "adding the listener to epoll: \(lastErrorText())")
        }
        listener = socket
        onListenerReadable = onReadable
    }

    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "srt-recv-\(index)"
        thread.start()
    }

    /// `reorder` is given for connections libsrt delivers on arrival (SRTO_TSBPDMODE off).
    func add(_ connection: SRTConnection, handler: any SRTConnectionHandler, reorder: SequenceReorderer? = nil) {
        pending.withLock { $0.adds.append((connection, handler, reorder)) }
    }

    func requestClose(_ socket: Int32, reason: String) {
        pending.withLock { $0.closes.append((socket, reason)) }
    }

    /// Stops the loop, closing every connection it owns (their handlers hear `.local("shutdown")`).
    func stop(timeout: Double = 3) {
        pending.withLock { $0.stopping = true }
        _ = finished.wait(timeout: .now() + timeout)
    }


    private func run() {
        var events = [SRT_EPOLL_EVENT](repeating: SRT_EPOLL_EVENT(), count: 256)
        var buffer = [UInt8](repeating: 0, count: 1500)
        while true {
            let (adds, closes, stopping) = pending.withLock { state in
                defer { state.adds.removeAll(); state.closes.removeAll() }
                return (state.adds, state.closes, state.stopping)
            }
            for (connection, handler, reorderer) in adds {
                var flags = Int32(SRT_EPOLL_IN.rawValue | SRT_EPOLL_ERR.rawValue)
                if srt_epoll_add_usock(eid, connection.id, &flags) != 0 {
                    logger.warning("connection lost before it could be served", metadata: ["conn": "\(connection.id)"])
                    srt_close(connection.id)
                    counters.active.subtract(1, ordering: .relaxed)
                    handler.closed(.peerGone("socket gone before first read"))
                    continue
                }
                entries[connection.id] = Entry(connection: connection, handler: handler, reorderer: reorderer)
            }
            for (socket, reason) in closes {
                close(socket, reason: .local(reason))
            }
            if stopping { break }

            let count = events.withUnsafeMutableBufferPointer { ptr in
                srt_epoll_uwait(eid, ptr.baseAddress, Int32(ptr.count), Self.wakeIntervalMilliseconds)
            }
            if !gapSockets.isEmpty { expireGaps() }
            guard count > 0 else { continue }
            // srt_epoll_uwait returns how many sockets are ready, which can exceed the array it
            // filled; the rest are reported on the next turn.
            var listenerReady = false
            for i in 0..<min(Int(count), events.count) {
                let socket = events[i].fd
                if socket == listener {
                    onListenerReadable?()
                    listenerReady = true
                    continue
                }
                guard let entry = entries[socket] else {
                    // Closed earlier in this turn; libsrt may still report it once.
                    continue
                }
                read(entry, buffer: &buffer)
            }
            // Let the next packets gather: one wake-up then serves all of them (see
            // SRTServerConfiguration.receiveBatchMilliseconds). Not while callers queue to be
            // accepted (one accept per turn), so a reconnect storm is not slowed down.
            if batchMicroseconds > 0 && !listenerReady { usleep(batchMicroseconds) }
        }
        for socket in Array(entries.keys) {
            close(socket, reason: .local("shutdown"))
        }
        if let listener {
            srt_epoll_remove_usock(eid, listener)
        }
        srt_epoll_release(eid)
    }

    private func read(_ entry: Entry, buffer: inout [UInt8]) {
        let socket = entry.connection.id
        var control = srt_msgctrl_default
        // One clock reading per turn, not per packet: a turn serves what arrived within one batch.
        let now = entry.reorderer != nil ? Self.nowMilliseconds() : 0
        for _ in 0..<Self.messagesPerTurn {
            let received = buffer.withUnsafeMutableBytes { raw in
                srt_recvmsg2(socket, raw.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(raw.count), &control)
            }
            if received > 0 {
                counters.bytesReceived.increment(by: received)
                buffer.withUnsafeBytes { raw in
                    let bytes = UnsafeRawBufferPointer(rebasing: raw[0..<Int(received)])
                    if entry.reorderer != nil {
                        let handler = entry.handler
                        entry.reorderer!.receive(sequence: control.pktseq, bytes: bytes, nowMilliseconds: now) {
                            handler.received($0)
                        }
                    } else {
                        entry.handler.received(bytes)
                    }
                }
                continue
            }
            let error = srt_getlasterror(nil)
            if received < 0 && error == Int32(SRT_EASYNCRCV.rawValue) {
                if let reorderer = entry.reorderer {
                    if reorderer.hasGap { gapSockets.insert(socket) } else { gapSockets.remove(socket) }
                }
                return
            }
            let state = srt_getsockstate(socket)
            let why = state == SRTS_BROKEN ? "link broken" : (received == 0 ? "closed" : lastErrorText())
            close(socket, reason: .peerGone(why))
            return
        }
    }

    private func close(_ socket: Int32, reason: SRTCloseReason) {
        guard let entry = entries.removeValue(forKey: socket) else { return }
        srt_epoll_remove_usock(eid, socket)
        entry.connection.keepStatisticsBeforeClose()
        srt_close(socket)
        counters.active.subtract(1, ordering: .relaxed)
        gapSockets.remove(socket)
        if entry.reorderer != nil {
            // What arrived behind a gap that can no longer be filled still goes to the handler.
            let handler = entry.handler
            entry.reorderer!.flush { handler.received($0) }
            countReordering(entry)
        }
        entry.handler.closed(reason)
    }

    private func expireGaps() {
        let now = Self.nowMilliseconds()
        for socket in gapSockets {
            guard let entry = entries[socket], entry.reorderer != nil else {
                gapSockets.remove(socket)
                continue
            }
            let handler = entry.handler
            entry.reorderer!.expire(nowMilliseconds: now) { handler.received($0) }
            countReordering(entry)
            if !entry.reorderer!.hasGap { gapSockets.remove(socket) }
        }
    }

    /// Adds what the reorderer counted since last time to the server's totals.
    private func countReordering(_ entry: Entry) {
        guard let reorderer = entry.reorderer else { return }
        counters.packetsReordered.increment(by: reorderer.reordered - entry.counted.reordered)
        counters.packetsSkipped.increment(by: reorderer.skipped - entry.counted.skipped)
        counters.packetsLate.increment(by: reorderer.late - entry.counted.late)
        entry.counted = (reorderer.reordered, reorderer.skipped, reorderer.late)
    }

    static func nowMilliseconds() -> Int64 {
        Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000)
    }
}

func lastErrorText() -> String {
    guard let text = srt_getlasterror_str() else { return "unknown libsrt error" }
    return String(cString: text)
}
