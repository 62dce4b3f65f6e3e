import Foundation
import Recording
import Testing

@Suite("Recording times: RFC 3339 to the millisecond, and back to the same time")
struct RecordingTimeTests {
    @Test func timesRoundTripToTheMillisecond() throws {
        // Every millisecond of a few seconds, as the index keeps them (whole ms since 1970).
        for milliseconds in Int64(1_773_136_799_000)..<1_773_136_801_000 {
            let time = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let text = RecordingTime.format(time)
            #expect(RecordingTime.parse(text) == time, "\(text)")
            #expect(LedgerEntry.milliseconds(try #require(RecordingTime.parse(text))) == milliseconds)
        }
        #expect(RecordingTime.format(Date(timeIntervalSince1970: 1_773_136_800.25)) == "2026-03-10T10:00:00.250Z")
        // The nearest millisecond, also across a second.
        #expect(RecordingTime.format(Date(timeIntervalSince1970: 1_773_136_799.9996)) == "2026-03-10T10:00:00.000Z")
        #expect(RecordingTime.parse("2026-03-10T10:00:00.123456Z") == Date(timeIntervalSince1970: 1_773_136_800.123))
    }
}
