import Foundation
import PathRules

/// Where a file goes: `<kind>/<id>/<yyyy-MM-dd>/<yyyyMMdd'T'HHmmss.SSS'Z'>-<instance>.mp4`, by path
/// and UTC date, so an operator finds a day's video with `ls`. The name carries the wall-clock
/// time of the first fragment's start: recovery dates fragments from it and their decode times.
public enum RecordingLayout {
    public static func fileName(path: String, start: Date, instance: String) throws(RecordingError) -> String {
        guard let media = try? MediaPath(path) else { throw RecordingError(.invalidRequest, "not a path: \(path)", field: "path") }
        guard !instance.isEmpty, instance.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 122) || $0 == 45 }) else {
            throw RecordingError(.invalidRequest, "bad instance \(instance)")
        }
        let stamp = timestamp(start)
        return "\(media.kind.rawValue)/\(media.id)/\(stamp.prefix(4))-\(stamp.dropFirst(4).prefix(2))-\(stamp.dropFirst(6).prefix(2))/\(stamp)-\(instance).mp4"
    }

    /// `20261207T170000.123Z`
    public static func timestamp(_ date: Date) -> String {
        let ms = LedgerEntry.milliseconds(date)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(ms / 1000)))
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return String(format: "%04d", parts.year ?? 0) + two(parts.month) + two(parts.day) + "T" + two(parts.hour) + two(parts.minute)
            + two(parts.second) + "." + String(format: "%03d", Int(ms % 1000)) + "Z"
    }

    /// The start time and path a file name says (recovery, and an index rebuilt from the files).
    public static func parse(_ name: String) -> (path: String, start: Date, instance: String)? {
        let parts = name.split(separator: "/")
        guard parts.count == 4, parts[3].hasSuffix(".mp4") else { return nil }
        let base = parts[3].dropLast(4)
        guard let dash = base.firstIndex(of: "-") else { return nil }
        let stamp = String(base[..<dash])
        let instance = String(base[base.index(after: dash)...])
        guard stamp.count == 20 else { return nil }
        var components = DateComponents()
        func number(_ from: Int, _ length: Int) -> Int? {
            let start = stamp.index(stamp.startIndex, offsetBy: from)
            return Int(stamp[start..<stamp.index(start, offsetBy: length)])
        }
        components.year = number(0, 4); components.month = number(4, 2); components.day = number(6, 2)
        components.hour = number(9, 2); components.minute = number(11, 2); components.second = number(13, 2)
        guard let milliseconds = number(16, 3) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: components) else { return nil }
        let path = "\(parts[0])/\(parts[1])"
        guard (try? MediaPath(path)) != nil else { return nil }
        return (path, date.addingTimeInterval(Double(milliseconds) / 1000), instance)
    }
}
