import Foundation
import SRTTransport
import Synchronization

/// One sender thread driving many simulated publishers: connects each at its ramp time, then sends
/// every message of the clip at its due time from a min-heap of next send times. Sends are
/// non-blocking, so one thread serves hundreds of streams; never one thread per stream.
final class LoadSender: @unchecked Sendable {
    // @unchecked: `streams`, `queue`, `connecting`, `scratch` and `sendLog` belong to the sender
    // thread while it runs and to the caller of `stop()` after it has ended (the semaphore orders
    // the two); everything else is immutable or atomic.

    struct Settings: Sendable {
        /// Monotonic nanoseconds at which stream order 0 connects.
        var start: UInt64
        /// Nanoseconds between two connection attempts (ramp); 0 connects all at once.
        var rampInterval: UInt64
        var latencyMilliseconds: Int
        var connectTimeoutMilliseconds: Int
        /// Streams whose video PES starts go to the send log (by order); 0 logs none.
        var loggedStreams: Int
    }

    /// A video PES start as sent: which stream, the wall-clock time and the PTS it carried.
    struct SendLogEntry: Sendable {
        var order: Int
        var wallNanoseconds: UInt64
        var pts: Int64
    }

    private enum Phase {
        case waiting, connecting, sending, finished
    }

    private struct Stream {
        let target: LoadTarget
        var caller: SRTCaller?
        var phase: Phase = .waiting
        /// Monotonic time at which message 0 of loop 0 was due.
        var base: UInt64 = 0
        var message = 0
        var loop = 0
    }

    /// Messages due this soon are sent now: batching sends into at most ~1,000 wake-ups a second
    /// costs a millisecond of jitter, well inside any SRT latency.
    static let earlySend: UInt64 = 1_000_000
    /// How often connections in progress are checked, and the longest sleep.
    static let connectCheckInterval: UInt64 = 5_000_000
    /// A full send buffer is retried after this long.
    static let retryAfter: UInt64 = 1_000_000

    private let clip: TransportStreamClip
    private let group: SRTCallerGroup
    private let counters: LoadCounters
    private let settings: Settings
    private let index: Int
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private var streams: [Stream]
    private var queue: SendQueue
    private var connecting: [Int] = []
    private var sendLog: [SendLogEntry] = []
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: TransportStreamClip.messageSize, alignment: 16)

    init(index: Int, targets: [LoadTarget], clip: TransportStreamClip, group: SRTCallerGroup, counters: LoadCounters, settings: Settings) {
        self.index = index
        self.clip = clip
        self.group = group
        self.counters = counters
        self.settings = settings
        streams = targets.map { Stream(target: $0) }
        queue = SendQueue(capacity: targets.count)
        for (slot, target) in targets.enumerated() {
            queue.push(.init(due: settings.start + UInt64(target.order) * settings.rampInterval, stream: Int32(slot)))
        }
    }

    deinit {
        scratch.deallocate()
    }

    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "loadgen-send-\(index)"
        thread.start()
    }

    /// Stops sending and returns the send log; the callers stay open (the counters close them).
    func stop() -> [SendLogEntry] {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
        return sendLog
    }

    // clock_gettime fails only for an unknown clock id; these two always exist on Linux.
    static func now() -> UInt64 {
        var time = timespec()
        _ = clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    static func wallNow() -> UInt64 {
        var time = timespec()
        _ = clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    private func run() {
        var nextCheck = Self.now()
        while !stopping.load(ordering: .relaxed) {
            var now = Self.now()
            var batch = 0
            while let top = queue.first, top.due <= now + Self.earlySend {
                _ = queue.pop()
                handle(Int(top.stream), due: top.due, now: now)
                // Refresh the clock now and then: a long batch must not report its lag as too small.
                batch += 1
                if batch & 63 == 0 { now = Self.now() }
            }
            now = Self.now()
            if now >= nextCheck {
                checkConnecting(now: now)
                nextCheck = now + Self.connectCheckInterval
            }
            let wake = min(queue.first?.due ?? UInt64.max, nextCheck)
            now = Self.now()
            if wake > now + Self.earlySend {
                var pause = timespec(tv_sec: 0, tv_nsec: Int(min(wake - now - Self.earlySend / 2, Self.connectCheckInterval)))
                // Woken early by a signal (EINTR) is harmless: the loop just looks at the clock again.
                _ = nanosleep(&pause, nil)
            }
        }
    }

    private func handle(_ slot: Int, due: UInt64, now: UInt64) {
        switch streams[slot].phase {
        case .waiting:
            connect(slot)
        case .sending:
            send(slot, due: due, now: now)
        case .connecting, .finished:
            break
        }
    }

    private func connect(_ slot: Int) {
        let target = streams[slot].target
        counters.connectAttempts.add(1, ordering: .relaxed)
        let configuration = SRTCallerConfiguration(
            streamID: target.streamID, passphrase: target.passphrase, latencyMilliseconds: settings.latencyMilliseconds,
            connectTimeoutMilliseconds: settings.connectTimeoutMilliseconds,
            // 32 packets, libsrt's minimum: a sender only receives ACKs and NAKs.
            receiveBufferBytes: 32 * 1500)
        do {
            streams[slot].caller = try group.connect(port: target.port, configuration)
            streams[slot].phase = .connecting
            connecting.append(slot)
        } catch {
            streams[slot].phase = .finished
            counters.noteRejected(SRTConnectFailure(code: -1, message: "local: \(error.message)"))
        }
    }

    private func checkConnecting(now: UInt64) {
        guard !connecting.isEmpty else { return }
        connecting.removeAll { slot in
            guard let caller = streams[slot].caller else { return true }
            switch caller.state {
            case .connecting:
                return false
            case .connected:
                streams[slot].phase = .sending
                streams[slot].base = now
                counters.noteConnected(streams[slot].target.order, caller)
                queue.push(.init(due: now, stream: Int32(slot)))
                return true
            case .failed(let failure):
                counters.noteRejected(failure)
                finish(slot)
                return true
            case .closed:
                finish(slot)
                return true
            }
        }
    }

    private func send(_ slot: Int, due: UInt64, now: UInt64) {
        guard let caller = streams[slot].caller else { return }
        let message = streams[slot].message
        let loop = streams[slot].loop
        let result: SRTCaller.SendResult
        if loop == 0 {
            // The first pass goes straight from the shared file: nothing to rewrite.
            let item = clip.messages[message]
            result = clip.bytes.withUnsafeBytes { caller.send(UnsafeRawBufferPointer(rebasing: $0[item.offset..<(item.offset + item.length)])) }
        } else {
            let length = clip.render(message, loop: loop, into: scratch)
            result = caller.send(UnsafeRawBufferPointer(rebasing: scratch[0..<length]))
        }
        switch result {
        case .sent:
            counters.messagesSent.add(1, ordering: .relaxed)
            counters.bytesSent.add(clip.messages[message].length, ordering: .relaxed)
            if now > due { counters.noteLag(Int(now - due)) }
            let order = streams[slot].target.order
            if order < settings.loggedStreams, let pts = clip.videoPTS(message, loop: loop) {
                sendLog.append(SendLogEntry(order: order, wallNanoseconds: Self.wallNow(), pts: pts))
            }
            var next = message + 1
            var nextLoop = loop
            if next == clip.messages.count {
                next = 0
                nextLoop += 1
            }
            streams[slot].message = next
            streams[slot].loop = nextLoop
            let nextDue = streams[slot].base + UInt64(nextLoop) * clip.loopNanoseconds + clip.messages[next].due
            queue.push(.init(due: nextDue, stream: Int32(slot)))
        case .wouldBlock:
            counters.sendsDeferred.add(1, ordering: .relaxed)
            queue.push(.init(due: now + Self.retryAfter, stream: Int32(slot)))
        case .failed:
            let failure: SRTConnectFailure
            if case .failed(let reason) = caller.state { failure = reason } else {
                failure = SRTConnectFailure(code: 0, message: "send failed")
            }
            counters.noteBroken(streams[slot].target.order, failure)
            finish(slot)
        }
    }

    private func finish(_ slot: Int) {
        streams[slot].caller?.close()
        streams[slot].caller = nil
        streams[slot].phase = .finished
    }
}
