import Foundation
import MediaTypes

/// The wall-clock time of an access unit's arrival (monotonic nanoseconds), for
/// EXT-X-PROGRAM-DATE-TIME: a packager started on demand backfills old media, whose segments must
/// carry when the media arrived, not when they were packaged.
func wallClock(ofArrival arrival: UInt64, now: UInt64 = MonotonicClock.now(), date: Date = Date()) -> Date {
    guard arrival > 0, arrival <= now else { return date }
    return date.addingTimeInterval(-Double(now - arrival) / 1e9)
}
