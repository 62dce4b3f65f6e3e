import Evidence
import Foundation
import Logging
import MediaRemux
import MediaTypes
import Recording
import RecordingStore
import StreamHub
import TestSupport

/// A recording directory with its index and writer, fed from a real ffmpeg clip through the real
/// intake (TransportStreamReader) and a PathRecorder, as the gateway does.
final class RecordingFixture {
    let directory: URL
    let index: RecordingDatabase
    let writer: RecordingWriter
    let clock: TestClock
    let configuration: RecordingConfiguration
    /// Signs seals when given an evidence key.
    let sealer: EvidenceSealer?

    /// A settable wall clock (retention and time-range tests).
    final class TestClock: @unchecked Sendable {
        private let lock = NSLock()
        private var current: Date
        init(_ start: Date) { current = start }
        var now: Date { lock.withLock { current } }
        func advance(_ seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
        func set(_ date: Date) { lock.withLock { current = date } }
    }

    init(configure: (inout RecordingConfiguration) -> Void = { _ in }, clockStart: Date? = nil, evidenceKey: EvidenceKey? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldrelay-recording-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        index = try RecordingDatabase(directory: directory)
        var configuration = RecordingConfiguration()
        configuration.minFreeMiB = 1
        configure(&configuration)
        let clock = TestClock(clockStart ?? Date())
        self.clock = clock
        self.configuration = configuration
        let recordings = directory
        let sealer = evidenceKey.map { EvidenceSealer(key: $0, directory: recordings) }
        self.sealer = sealer
        writer = RecordingWriter(directory: directory, index: index, configuration: configuration, sealer: sealer, now: { clock.now })
    }

    deinit {
        writer.shutdown()
        try? FileManager.default.removeAll(at: directory)
    }

    /// The clip's tracks and access units, read by the gateway's own intake.
    static func media(_ spec: Clips.Spec = Clips.Spec()) async throws -> (tracks: [Track], units: [AccessUnit]) {
        let clip = try await Clips.make(spec)
        let bytes = try Data(contentsOf: clip)
        let reader = TransportStreamReader(logger: Logger(label: "test"))
        var tracks: [Track] = []
        var units: [AccessUnit] = []
        let arrival = MonotonicClock.now()
        let handle: (TransportStreamReader.Event) -> Void = { event in
            switch event {
            case .tracks(let found): tracks = found
            case .accessUnit(let unit): units.append(unit)
            }
        }
        try bytes.withUnsafeBytes { raw in try reader.feed(raw, arrival: arrival, emit: handle) }
        reader.flush(arrival: arrival, emit: handle)
        return (tracks, units)
    }

    /// Records `units` of `path` as one publisher and waits until it is written and sealed.
    @discardableResult
    func record(path: String, tracks: [Track], units: [AccessUnit], seal: Bool = true) async -> PathRecorder {
        let recorder = PathRecorder(path: path, writer: writer)
        recorder.handle(.tracks(tracks, discontinuity: false))
        for unit in units { recorder.handle(.accessUnit(unit)) }
        if seal { recorder.finish(reason: "test") }
        await writer.drain()
        return recorder
    }
}

extension FileManager {
    func removeAll(at url: URL) throws { if fileExists(atPath: url.path) { try removeItem(at: url) } }
}
