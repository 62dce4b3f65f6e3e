import Testing
@testable import SRTTransport

@Suite("SRT refusals are logged a few per window, the rest counted")
struct RefusalLogTests {
    @Test("a flood of one code logs the first few, then says how many went unlogged")
    func flood() {
        let log = RefusalLog<SRTRejectCode>(window: .seconds(10), perWindow: 3)
        let start = ContinuousClock.now
        var logged = 0
        for _ in 0..<1000 {
            if case .log = log.decide(.notFound, now: start) { logged += 1 }
        }
        #expect(logged == 3)
        // Another code has its own allowance.
        #expect(log.decide(.malformed, now: start) == .log(suppressedBefore: 0))
        // The next window reports what the last one left out.
        #expect(log.decide(.notFound, now: start + .seconds(11)) == .log(suppressedBefore: 997))
        #expect(log.decide(.notFound, now: start + .seconds(12)) == .log(suppressedBefore: 0))
    }
}
