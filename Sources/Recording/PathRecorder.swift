import Foundation
import MediaTypes
import StreamHub
import Synchronization

/// Records one path: a reader of the path (added with its backfill, so a session attach records
/// the minutes before it) that cuts the media into GOPs — from a video keyframe to the next, or
/// every 2 s for audio alone — and hands each to the writer. On the receive loop it only gathers
/// access units (no copy: their bytes are shared); muxing, hashing and the disk are the writer's.
public final class PathRecorder: PathReader {
    struct State {
        var tracks: [Track] = []
        var generation = 0
        var instanceCounter = 0
        var units: [AccessUnit] = []
        var videoTrack: Int?
        var finished = false
    }

    public let path: String
    let writer: RecordingWriter
    let state = Mutex(State())
    /// Distinguishes the files of recorders made for the same path within one millisecond.
    let serial: Int
    static let serials = Atomic<Int>(0)
    static let audioOnlyFragment: Int64 = 2 * AccessUnit.clockRate

    public init(path: String, writer: RecordingWriter) {
        self.path = path
        self.writer = writer
        serial = Self.serials.add(1, ordering: .relaxed).newValue
    }

    public func handle(_ event: PathEvent) {
        var ready: RecordingGOP?
        var closeReason: String?
        state.withLock { state in
            guard !state.finished else { return }
            switch event {
            case .tracks(let tracks, let discontinuity):
                ready = takeGOP(&state)
                // Tracks published again (even the same ones) mean a new timeline: the intake's
                // guard saw the clock jump. A new file then, as a new publisher or codec gets.
                state.generation += 1
                if discontinuity { state.instanceCounter += 1 }
                state.tracks = tracks
                state.videoTrack = tracks.firstIndex { $0.codec == .h264 || $0.codec == .hevc }
            case .accessUnit(let unit):
                guard !state.tracks.isEmpty else { return }
                let cut: Bool
                if let video = state.videoTrack {
                    cut = unit.track == video && unit.isKeyframe
                    // Until the first keyframe there is nothing a player could start from.
                    if state.units.isEmpty && !cut { return }
                } else if let first = state.units.first {
                    cut = unit.dts - first.dts >= Self.audioOnlyFragment
                } else {
                    cut = false
                }
                if cut { ready = takeGOP(&state) }
                state.units.append(unit)
            case .publisherLeft, .ended:
                ready = takeGOP(&state)
                state.instanceCounter += 1
                closeReason = event.isEnded ? "stream ended" : "publisher left"
            }
        }
        if let ready { writer.submit(ready) }
        if let closeReason { writer.close(path: path, reason: closeReason) }
    }

    /// Ends recording of the path: what was gathered is written and the file sealed.
    public func finish(reason: String) {
        let ready = state.withLock { state -> RecordingGOP? in
            guard !state.finished else { return nil }
            state.finished = true
            return takeGOP(&state)
        }
        if let ready { writer.submit(ready) }
        writer.close(path: path, reason: reason)
    }

    func takeGOP(_ state: inout State) -> RecordingGOP? {
        guard let first = state.units.first else { return nil }
        let units = state.units
        state.units.removeAll(keepingCapacity: true)
        let now = MonotonicClock.now()
        let age = now >= first.arrival ? Double(now - first.arrival) / 1e9 : 0
        return RecordingGOP(path: path, instance: "r\(serial)p\(state.instanceCounter)", tracks: state.tracks,
                            generation: state.generation, units: units, wallStart: writer.now().addingTimeInterval(-age))
    }
}

extension PathEvent {
    var isEnded: Bool { if case .ended = self { true } else { false } }
}
