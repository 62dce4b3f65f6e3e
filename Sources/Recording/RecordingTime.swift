import Foundation

/// RFC 3339 times as the API and playlists write and read them (UTC, milliseconds).
public enum RecordingTime {
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true).year().month().day()
            .time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    /// Parses RFC 3339 (`2026-12-07T17:00:00Z`, `…17:00:00.250+08:00`); nil when malformed.
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
