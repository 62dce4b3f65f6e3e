import Foundation

/// `recording:` in the configuration file.
public struct RecordingConfiguration: Sendable, Equatable {
    /// Off: nothing is recorded (the API says so); on by default.
    public var enabled: Bool = true
    /// Where files and the index go; nil: `<data>/recordings`.
    public var directory: URL?
    public var rules: RecordingRules = .defaults
    /// A file is closed at the first keyframe after this many minutes.
    public var fileMinutes: Int = 10
    /// Routine video is deleted this many days after it was recorded.
    public var retentionDays: Int = 30
    /// Video linked to an incident is kept this many days after the incident closed.
    public var incidentRetentionDays: Int = 180
    /// Below this much free space no new recording is written (and it resumes above it).
    public var minFreeMiB: Int = 2048
    /// The longest time range one playback request may ask for.
    public var maxPlaybackMinutes: Int = 120
    /// Fragments waiting for the disk, all paths together; beyond it fragments are dropped (a gap).
    public var queueMiB: Int = 64
    /// Writer threads (a path always goes to the same one, so its fragments stay in order).
    public var writerThreads: Int = 2
    /// The longest range one evidence export may ask for.
    public var maxExportMinutes: Int = 120
    /// Finished export packages are removed this many hours after they finished.
    public var exportRetentionHours: Int = 24
    /// How often retention runs.
    public var retentionIntervalSeconds: Int = 600

    public init() {}
}
