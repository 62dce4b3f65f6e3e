/// Polls `condition` every 250 ms until it holds, or fails naming `what` after `timeout`.
public func waitFor(_ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(250))
    }
    throw TestFailure("timed out waiting for \(what)")
}
