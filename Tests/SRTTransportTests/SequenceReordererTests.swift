import Testing
@testable import SRTTransport

@Suite struct SequenceReordererTests {
    /// Feeds packets whose payload is their own sequence number; returns what was delivered.
    final class Sink {
        var delivered: [Int32] = []
        func take(_ bytes: UnsafeRawBufferPointer) { delivered.append(bytes.load(as: Int32.self)) }
    }

    func feed(_ reorderer: inout SequenceReorderer, _ sequence: Int32, at now: Int64, into sink: Sink) {
        withUnsafeBytes(of: sequence) { bytes in
            reorderer.receive(sequence: sequence, bytes: bytes, nowMilliseconds: now) { sink.take($0) }
        }
    }

    @Test func inOrderPacketsPassStraightThrough() {
        var reorderer = SequenceReorderer(gapTimeoutMilliseconds: 100)
        let sink = Sink()
        for sequence in Int32(10)...20 { feed(&reorderer, sequence, at: 0, into: sink) }
        #expect(sink.delivered == Array(10...20))
        #expect(!reorderer.hasGap)
        #expect(reorderer.reordered == 0 && reorderer.skipped == 0 && reorderer.late == 0)
    }

    @Test func aRetransmittedPacketIsPutBackInItsPlace() {
        var reorderer = SequenceReorderer(gapTimeoutMilliseconds: 100)
        let sink = Sink()
        for sequence: Int32 in [1, 2, 4, 5, 3, 6] { feed(&reorderer, sequence, at: 0, into: sink) }
        #expect(sink.delivered == [1, 2, 3, 4, 5, 6])
        #expect(reorderer.reordered == 2)
        #expect(reorderer.skipped == 0)
    }

    @Test func aGapStillOpenAfterTheTimeoutIsSkippedAndCounted() {
        var reorderer = SequenceReorderer(gapTimeoutMilliseconds: 100)
        let sink = Sink()
        for sequence: Int32 in [1, 2, 5, 6] { feed(&reorderer, sequence, at: 10, into: sink) }
        reorderer.expire(nowMilliseconds: 50) { sink.take($0) }
        #expect(sink.delivered == [1, 2], "the gap is still inside the latency")
        reorderer.expire(nowMilliseconds: 110) { sink.take($0) }
        #expect(sink.delivered == [1, 2, 5, 6])
        #expect(reorderer.skipped == 2)
        #expect(!reorderer.hasGap)
        // The missing packets turning up afterwards are dropped, not delivered out of order.
        feed(&reorderer, 3, at: 120, into: sink)
        feed(&reorderer, 7, at: 120, into: sink)
        #expect(sink.delivered == [1, 2, 5, 6, 7])
        #expect(reorderer.late == 1)
    }

    @Test func sequenceNumbersWrapAt31Bits() {
        var reorderer = SequenceReorderer(gapTimeoutMilliseconds: 100)
        let sink = Sink()
        let last = Int32.max  // 2^31 - 1, followed by 0
        for sequence: Int32 in [last - 1, 0, last, 1] { feed(&reorderer, sequence, at: 0, into: sink) }
        #expect(sink.delivered == [last - 1, last, 0, 1])
        #expect(SequenceReorderer.distance(0, from: last) == 1)
        #expect(SequenceReorderer.distance(last, from: 0) == -1)
    }

    @Test func duplicatesAreDroppedAndFlushReleasesWhatIsHeld() {
        var reorderer = SequenceReorderer(gapTimeoutMilliseconds: 1000)
        let sink = Sink()
        for sequence: Int32 in [1, 1, 3, 3, 5] { feed(&reorderer, sequence, at: 0, into: sink) }
        #expect(sink.delivered == [1])
        #expect(reorderer.late == 2)
        reorderer.flush { sink.take($0) }
        #expect(sink.delivered == [1, 3, 5])
        #expect(reorderer.skipped == 2)
        #expect(!reorderer.hasGap)
    }

    @Test func tooManyHeldPacketsGiveUpOnTheGapWithoutWaiting() {
        var reorderer = SequenceReorderer(gapTimeoutMilliseconds: 10_000, maximumHeld: 4)
        let sink = Sink()
        feed(&reorderer, 1, at: 0, into: sink)
        for sequence in Int32(3)...7 { feed(&reorderer, sequence, at: 0, into: sink) }
        #expect(sink.delivered == [1, 3, 4, 5, 6, 7])
        #expect(reorderer.skipped == 1)
    }
}
