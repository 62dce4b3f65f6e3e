import Foundation

/// RFC 3339 times as the API and playlists write and read them (UTC, milliseconds). Both sides
/// work in whole milliseconds since 1970 (what the index and the ledger keep), so a time read
/// back from what was written is the same time: `parse(format(t)) == t` for any `t` of the index.
public enum RecordingTime {
    /// `2026-12-07T17:00:00.250Z`, the nearest millisecond.
    public static func format(_ date: Date) -> String {
        // Foundation's ISO 8601 formatter cuts the fraction of a Date kept since 2001, which
        // lands just below a millisecond about half the time: the digits are made here instead.
        let milliseconds = LedgerEntry.milliseconds(date)
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let fraction = Int(milliseconds - seconds * 1000)
        let parts = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(seconds)))
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return String(format: "%04d", parts.year ?? 0) + "-" + two(parts.month) + "-" + two(parts.day) + "T" + two(parts.hour) + ":"
            + two(parts.minute) + ":" + two(parts.second) + "." + String(format: "%03d", fraction) + "Z"
    }

    /// Parses RFC 3339 (`2026-12-07T17:00:00Z`, `…17:00:00.250+08:00`) to the nearest millisecond;
    /// nil when malformed.
    public static func parse(_ text: String) -> Date? {
        let date = (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
        return date.map { Date(timeIntervalSince1970: Double(LedgerEntry.milliseconds($0)) / 1000) }
    }

    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
