import Foundation
import MediaTypes
import Recording
import TestSupport

extension RecordingFixture {
    /// Six seconds, a keyframe every second (the clip the writer's test uses, made once per run).
    static let sixSeconds = Clips.Spec(seconds: 6, keyframeSeconds: 1)
    /// A fixed start, far from midnight, so both recordings of a test share a day directory.
    static let start = RecordingTime.parse("2026-03-10T10:00:00Z")!

    func files(_ path: String) throws -> [RecordedFile] {
        try index.files(path: path, from: nil, to: nil)
    }

    func url(of file: RecordedFile) -> URL {
        directory.appendingPathComponent(file.name)
    }

    func bytes(of file: RecordedFile) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(of: file)))
    }
}

extension PlaybackRange {
    /// An hour either side of `date`.
    static func around(_ date: Date) -> PlaybackRange {
        PlaybackRange(from: date.addingTimeInterval(-3600), to: date.addingTimeInterval(3600))
    }
}
