import Foundation
import Recording
import Testing

@Suite("Playback ranges: RFC 3339, never in the future, reversed or too long; refusals name the field")
struct PlaybackRangeTests {
    let now = RecordingTime.parse("2026-03-10T12:00:00Z")!

    func parse(_ from: String?, _ to: String?) throws -> PlaybackRange {
        try PlaybackRange.parse(from: from, to: to, now: now, maxMinutes: 120)
    }

    func parse(_ from: String?, duration: String?) throws -> PlaybackRange {
        try PlaybackRange.parse(from: from, duration: duration, now: now, maxMinutes: 120)
    }

    /// The field an invalid request names (nil when the range was accepted).
    func refusedField(_ body: () throws -> PlaybackRange) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as RecordingError {
            #expect(error.code == .invalidRequest)
            #expect(!error.message.isEmpty)
            return error.field
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func acceptsRFC3339Times() throws {
        let range = try parse("2026-03-10T11:00:00Z", "2026-03-10T11:30:00.500Z")
        #expect(range.from == RecordingTime.parse("2026-03-10T11:00:00Z"))
        #expect(range.duration == 1800.5)
        // An offset, a '+' that arrived as a space (form decoding), lower-case 't' and 'z'.
        #expect(try parse("2026-03-10T19:00:00+08:00", "2026-03-10T11:10:00Z").from == range.from)
        #expect(try parse("2026-03-10T19:00:00 08:00", "2026-03-10T11:10:00Z").from == range.from)
        #expect(try parse("2026-03-10t11:00:00z", "2026-03-10T11:10:00Z").from == range.from)
        // Exactly the longest allowed.
        #expect(try parse("2026-03-10T09:00:00Z", "2026-03-10T11:00:00Z").duration == 7200)
    }

    @Test func futureEndIsClampedToNow() throws {
        let range = try parse("2026-03-10T11:30:00Z", "2026-03-10T13:00:00Z")
        #expect(range.to == now)
        #expect(range.duration == 1800)
        // A start a little ahead of the server's clock is tolerated, but leaves nothing to play.
        #expect(refusedField { try parse("2026-03-10T12:00:03Z", "2026-03-10T12:10:00Z") } == "from")
    }

    @Test func refusalsNameTheField() {
        #expect(refusedField { try parse(nil, "2026-03-10T11:00:00Z") } == "from")
        #expect(refusedField { try parse("", "2026-03-10T11:00:00Z") } == "from")
        #expect(refusedField { try parse("2026-03-10T11:00:00Z", nil) } == "to")
        // Malformed.
        #expect(refusedField { try parse("yesterday", "2026-03-10T11:00:00Z") } == "from")
        #expect(refusedField { try parse("2026-03-10T11:00:00", "2026-03-10T11:10:00Z") } == "from")
        #expect(refusedField { try parse("2026-03-10T11:00:00Z", "2026-13-10T11:10:00Z") } == "to")
        #expect(refusedField { try parse("1773140400", "2026-03-10T11:10:00Z") } == "from")
        // In the future.
        #expect(refusedField { try parse("2026-03-10T12:01:00Z", "2026-03-10T12:30:00Z") } == "from")
        // Reversed, and empty.
        #expect(refusedField { try parse("2026-03-10T11:10:00Z", "2026-03-10T11:00:00Z") } == "to")
        #expect(refusedField { try parse("2026-03-10T11:00:00Z", "2026-03-10T11:00:00Z") } == "to")
        // Longer than recording.maxPlaybackMinutes.
        #expect(refusedField { try parse("2026-03-10T08:59:59Z", "2026-03-10T11:00:00Z") } == "to")
    }

    @Test func fromAndDuration() throws {
        let range = try parse("2026-03-10T11:00:00Z", duration: "90.5")
        #expect(range.duration == 90.5)
        #expect(try parse("2026-03-10T11:59:00Z", duration: "600").to == now)
        #expect(try parse("2026-03-10T10:00:00Z", duration: "7200").duration == 7200)

        #expect(refusedField { try parse("2026-03-10T11:00:00Z", duration: nil) } == "duration")
        #expect(refusedField { try parse("2026-03-10T11:00:00Z", duration: "ten") } == "duration")
        #expect(refusedField { try parse("2026-03-10T11:00:00Z", duration: "-5") } == "duration")
        #expect(refusedField { try parse("2026-03-10T11:00:00Z", duration: "1e3") } == "duration")
        #expect(refusedField { try parse("2026-03-10T11:00:00Z", duration: "0") } == "duration")
        #expect(refusedField { try parse("2026-03-10T11:00:00Z", duration: "7200.001") } == "duration")
        #expect(refusedField { try parse(nil, duration: "10") } == "from")
        #expect(refusedField { try parse("2026-03-10T12:10:00Z", duration: "10") } == "from")
    }
}
