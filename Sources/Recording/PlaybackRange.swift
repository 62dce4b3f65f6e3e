import Foundation

/// A time range asked for playback (`/playback/<path>/index.m3u8?from=&to=`,
/// `/playback/get?path=&from=&duration=`), validated: never empty, never reversed, not in the
/// future, at most `recording.maxPlaybackMinutes` long. Refusals are `.invalidRequest` errors
/// naming the field at fault, which the API answers with 400.
public struct PlaybackRange: Sendable, Equatable, CustomStringConvertible {
    public var from: Date
    public var to: Date

    /// Unchecked: `parse` is how a request's range is made; this is for callers that already
    /// hold valid times (a session link, a span).
    public init(from: Date, to: Date) {
        self.from = from
        self.to = to
    }

    public var duration: TimeInterval { to.timeIntervalSince(from) }

    public var description: String { "\(RecordingTime.format(from)) – \(RecordingTime.format(to))" }

    /// How far `from` may lie ahead of the server's clock (the client's clock may run ahead).
    public static let futureTolerance: TimeInterval = 5

    /// `from` and `to` as RFC 3339 times. A `to` after `now` is clamped to `now` (what is not
    /// recorded yet cannot be played); the length limit applies to the clamped range.
    public static func parse(from: String?, to: String?, now: Date, maxMinutes: Int) throws(RecordingError) -> PlaybackRange {
        let start = try time(from, field: "from")
        let end = try time(to, field: "to")
        try checkStart(start, now: now)
        guard end > start else {
            throw RecordingError(.invalidRequest, "to (\(RecordingTime.format(end))) must be after from (\(RecordingTime.format(start)))", field: "to")
        }
        return try finish(start: start, end: end, now: now, maxMinutes: maxMinutes, lengthField: "to")
    }

    /// `from` as an RFC 3339 time and `duration` in seconds (`90`, `12.5`).
    public static func parse(from: String?, duration: String?, now: Date, maxMinutes: Int) throws(RecordingError) -> PlaybackRange {
        let start = try time(from, field: "from")
        guard let text = duration?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            throw RecordingError(.invalidRequest, "duration is missing (seconds)", field: "duration")
        }
        guard let seconds = Self.seconds(text) else {
            throw RecordingError(.invalidRequest, "duration '\(printable(text))' is not a number of seconds", field: "duration")
        }
        guard seconds > 0 else { throw RecordingError(.invalidRequest, "duration must be more than 0 seconds", field: "duration") }
        guard seconds <= Double(maxMinutes) * 60 else {
            throw RecordingError(.invalidRequest, "duration \(text) s is longer than recording.maxPlaybackMinutes (\(maxMinutes) minutes)", field: "duration")
        }
        try checkStart(start, now: now)
        return try finish(start: start, end: start.addingTimeInterval(seconds), now: now, maxMinutes: maxMinutes, lengthField: "duration")
    }

    static func time(_ text: String?, field: String) throws(RecordingError) -> Date {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            throw RecordingError(.invalidRequest, "\(field) is missing (an RFC 3339 time such as 2026-12-07T17:00:00Z)", field: field)
        }
        // A '+' of an offset arrives as a space when the query was form-decoded; RFC 3339 allows
        // a lower-case 't' and 'z'.
        let normalized = text.replacingOccurrences(of: " ", with: "+").uppercased()
        guard text.count <= 64, let date = RecordingTime.parse(normalized) else {
            throw RecordingError(.invalidRequest, "\(field) '\(printable(text))' is not an RFC 3339 time such as 2026-12-07T17:00:00Z", field: field)
        }
        return date
    }

    static func checkStart(_ start: Date, now: Date) throws(RecordingError) {
        guard start <= now.addingTimeInterval(futureTolerance) else {
            throw RecordingError(.invalidRequest, "from (\(RecordingTime.format(start))) is in the future", field: "from")
        }
    }

    static func finish(start: Date, end: Date, now: Date, maxMinutes: Int, lengthField: String) throws(RecordingError) -> PlaybackRange {
        let clamped = min(end, now)
        // A `from` within the tolerance ahead of now leaves nothing once `to` is clamped.
        guard clamped > start else {
            throw RecordingError(.invalidRequest, "from (\(RecordingTime.format(start))) is not before the current time", field: "from")
        }
        guard clamped.timeIntervalSince(start) <= Double(maxMinutes) * 60 else {
            throw RecordingError(.invalidRequest, "the range is longer than recording.maxPlaybackMinutes (\(maxMinutes) minutes)", field: lengthField)
        }
        return PlaybackRange(from: start, to: clamped)
    }

    /// Digits with at most one decimal point (no sign, exponent, `inf` or `nan`).
    static func seconds(_ text: String) -> Double? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, text.count <= 32,
              parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }) else { return nil }
        return Double(text)
    }

    /// A request value quoted back in a message: printable ASCII only, at most 64 characters.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(64).map { $0.isASCII && $0.value >= 32 && $0.value < 127 ? $0 : "?" }))
    }
}
