import Synchronization

/// HTTP requests held until a packager has what they ask for (a first segment, a part), or until a
/// timeout. Each is a continuation — memory, not a thread — so thousands can wait at once.
final class RequestWaiters<Target: Sendable>: Sendable {
    private struct Waiting {
        var target: Target
        var continuation: CheckedContinuation<Bool, Never>
    }

    private let state = Mutex<(next: Int, waiting: [Int: Waiting])>((0, [:]))

    var count: Int { state.withLock { $0.waiting.count } }

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
                Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    self?.resolve(id, false)
                }
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
        waiter?.continuation.resume(returning: value)
    }
}
