import SRTTransport
import Synchronization

/// Totals shared by the sender threads and the once-a-second reporter. Per-message counters are
/// atomics; the rare events (a connection made, refused or broken) go under one lock.
final class LoadCounters: Sendable {
    let connectAttempts = Atomic<Int>(0)
    /// Callers connected now.
    let connected = Atomic<Int>(0)
    let everConnected = Atomic<Int>(0)
    /// Connections that never came up (refused by the listener, bad key, timeout).
    let rejected = Atomic<Int>(0)
    /// Connections that came up and later broke.
    let broken = Atomic<Int>(0)
    let messagesSent = Atomic<Int>(0)
    let bytesSent = Atomic<Int>(0)
    /// Sends refused with "buffer full" (retried a millisecond later).
    let sendsDeferred = Atomic<Int>(0)
    /// The latest a message went out after its due time, since the reporter last looked.
    let maximumLagNanoseconds = Atomic<Int>(0)

    private let state = Mutex(State())

    private struct State {
        var callers: [Int: SRTCaller] = [:]
        var retired = SRTSendStatistics()
        var rejections: [SRTConnectFailure: Int] = [:]
        var breaks: [SRTConnectFailure: Int] = [:]
    }

    func noteConnected(_ order: Int, _ caller: SRTCaller) {
        connected.add(1, ordering: .relaxed)
        everConnected.add(1, ordering: .relaxed)
        state.withLock { $0.callers[order] = caller }
    }

    func noteRejected(_ failure: SRTConnectFailure) {
        rejected.add(1, ordering: .relaxed)
        state.withLock { $0.rejections[failure, default: 0] += 1 }
    }

    /// A connected caller broke: its last figures join the retired totals before it is closed.
    func noteBroken(_ order: Int, _ failure: SRTConnectFailure) {
        broken.add(1, ordering: .relaxed)
        connected.subtract(1, ordering: .relaxed)
        state.withLock { state in
            if let caller = state.callers.removeValue(forKey: order), let last = caller.statistics() {
                state.retired = state.retired + last
            }
            state.breaks[failure, default: 0] += 1
        }
    }

    func noteLag(_ nanoseconds: Int) {
        // A racy maximum is good enough: the figure is a per-second indicator, not a total.
        if nanoseconds > maximumLagNanoseconds.load(ordering: .relaxed) {
            maximumLagNanoseconds.store(nanoseconds, ordering: .relaxed)
        }
    }

    /// libsrt's sender figures summed over every caller, live or retired.
    func statistics() -> SRTSendStatistics {
        let (callers, retired) = state.withLock { (Array($0.callers.values), $0.retired) }
        // srt_bstats outside the lock: a sender thread must never wait on the reporter.
        return callers.reduce(retired) { total, caller in caller.statistics().map { total + $0 } ?? total }
    }

    var rejections: [SRTConnectFailure: Int] { state.withLock { $0.rejections } }
    var breaks: [SRTConnectFailure: Int] { state.withLock { $0.breaks } }

    /// Closes every live caller (at the end of the run, after the final statistics).
    func closeAll() {
        let callers = state.withLock { state -> [SRTCaller] in
            defer { state.callers.removeAll() }
            return Array(state.callers.values)
        }
        for caller in callers { caller.close() }
    }
}
