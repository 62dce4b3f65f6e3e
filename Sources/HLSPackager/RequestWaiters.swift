import Synchronization

/// HTTP requests held until a packager has what they ask for (a first segment, a part), or until a
/// timeout. Each is a continuation — memory, not a thread — so thousands can wait at once.
final class RequestWaiters<Target: Sendable>: Sendable {
    private struct Waiting {
        var target: Target
        var continuation: CheckedContinuation<Bool, Never>
        /// Answers the request with `false` when the timeout passes; cancelled when the request is
        /// answered first, so thousands of answered requests leave no sleeping tasks behind.
        var timer: Task<Void, Never>?
    }

    private let state = Mutex<(next: Int, waiting: [Int: Waiting])>((0, [:]))
    private let timers = Atomic<Int>(0)

    var count: Int { state.withLock { $0.waiting.count } }

    /// Timeout tasks still alive (each ends when its request is answered, or at its timeout).
    var pendingTimers: Int { timers.load(ordering: .relaxed) }

    /// Waits until `isReady(target)` holds (checked now and at every `wake`), or `timeout` passes.
    /// The waiter is registered before the first check, so a completion between the two is not lost.
    func wait(for target: Target, timeout: Duration, isReady: @escaping @Sendable (Target) -> Bool) async -> Bool {
        if isReady(target) { return true }
        let id = state.withLock { state -> Int in
            state.next += 1
            return state.next
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                state.withLock { $0.waiting[id] = Waiting(target: target, continuation: continuation) }
                if isReady(target) {
                    resolve(id, true)
                    return
                }
                timers.add(1, ordering: .relaxed)
                let timer = Task { [self] in
                    defer { timers.subtract(1, ordering: .relaxed) }
                    do { try await Task.sleep(for: timeout) } catch { return }
                    resolve(id, false)
                }
                let stillWaiting = state.withLock { state -> Bool in
                    guard state.waiting[id] != nil else { return false }
                    state.waiting[id]?.timer = timer
                    return true
                }
                if !stillWaiting { timer.cancel() }
            }
        } onCancel: {
            resolve(id, false)
        }
    }

    /// Answers every waiter whose target is ready. Call after the packager's state changed, outside
    /// its lock.
    func wake(_ isReady: (Target) -> Bool) {
        let candidates = state.withLock { state in state.waiting.map { ($0.key, $0.value.target) } }
        for (id, target) in candidates where isReady(target) {
            resolve(id, true)
        }
    }

    private func resolve(_ id: Int, _ value: Bool) {
        let waiter = state.withLock { $0.waiting.removeValue(forKey: id) }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(returning: value)
    }
}
