import Foundation
import Logging
import MediaTypes
import Synchronization
import Testing
@testable import StreamHub

final class RecordingReader: PathReader {
    let events = Mutex<[String]>([])
    func handle(_ event: PathEvent) {
        let text: String
        switch event {
        case .tracks(let tracks, let discontinuity): text = "tracks(\(tracks.count),\(discontinuity))"
        case .accessUnit(let unit): text = "unit(\(unit.pts))"
        case .publisherLeft: text = "left"
        case .ended: text = "ended"
        }
        events.withLock { $0.append(text) }
    }
    var log: [String] { events.withLock { $0 } }
}

final class CloseRecorder: Sendable {
    let reasons = Mutex<[String]>([])
    var all: [String] { reasons.withLock { $0 } }
}

@Suite("Paths: one publisher, readers, takeover, stall and grace")
struct PathManagerTests {
    let second: UInt64 = 1_000_000_000
    let reader = RecordingReader()

    func manager(grace: Duration = .seconds(30)) -> PathManager {
        var configuration = PathManager.Configuration()
        configuration.reconnectGrace = grace
        configuration.retention = .seconds(60)
        let reader = self.reader
        return PathManager(configuration: configuration, logger: Logger(label: "test")) { _ in [reader] }
    }

    func identity(_ name: String, closes: CloseRecorder = CloseRecorder()) -> PublisherIdentity {
        PublisherIdentity(source: name, connection: name) { reason in closes.reasons.withLock { $0.append(reason) } }
    }

    func unit(_ pts: Int64, arrival: UInt64) -> AccessUnit {
        AccessUnit(track: 0, pts: pts, dts: pts, duration: 3600, isKeyframe: true, data: [0, 0, 1, 0x65], arrival: arrival)
    }

    @Test("a live path refuses a second publisher; a quiet one is taken over and the old connection closed")
    func takeover() throws {
        let paths = manager()
        let name = try PathName("lab/cam1")
        let closes = CloseRecorder()
        let first = try paths.attachPublisher(name, identity: identity("first", closes: closes), now: 10 * second)
        first.publish(tracks: [Track(index: 0, codec: .h264, pid: 256)])
        first.publish(unit(0, arrival: 10 * second))
        #expect(!paths.canPublish(name, now: 10 * second + second / 2))
        #expect(throws: StreamHubError.self) { try paths.attachPublisher(name, identity: identity("second"), now: 10 * second + second / 2) }
        #expect(paths.canPublish(name, now: 11 * second), "after 1 s without media the path may be taken over")
        let replacement = try paths.attachPublisher(name, identity: identity("second"), now: 11 * second)
        #expect(closes.all.count == 1)
        // Units from the replaced publisher are ignored; its late 'end' changes nothing.
        first.publish(unit(9999, arrival: 11 * second))
        #expect(!first.end())
        replacement.publish(tracks: [Track(index: 0, codec: .h264, pid: 256)])
        #expect(reader.log == ["tracks(1,false)", "unit(0)", "left", "tracks(1,true)"])
        #expect(paths.path(name)?.snapshot.status == .online)
    }

    @Test("stalled after the stall timeout, online again with media; reconnecting, then ended after grace, then forgotten")
    func timers() throws {
        let paths = manager(grace: .seconds(30))
        let name = try PathName("lab/cam2")
        let start = MonotonicClock.now()
        let session = try paths.attachPublisher(name, identity: identity("cam"), now: start)
        session.publish(tracks: [Track(index: 0, codec: .h264, pid: 256)])
        session.publish(unit(0, arrival: start))
        let wall = Date()
        paths.tick(now: start + 6 * second, wallNow: wall)
        #expect(paths.path(name)?.snapshot.status == .stalled)
        session.publish(unit(3600, arrival: start + 7 * second))
        #expect(paths.path(name)?.snapshot.status == .online)
        #expect(session.end())
        #expect(paths.path(name)?.snapshot.status == .reconnecting)
        paths.tick(now: start + 10 * second, wallNow: wall.addingTimeInterval(29))
        #expect(paths.path(name)?.snapshot.status == .reconnecting)
        paths.tick(now: start + 40 * second, wallNow: wall.addingTimeInterval(31))
        #expect(paths.path(name)?.snapshot.status == .offline)
        #expect(reader.log.last == "ended")
        paths.tick(now: start + 200 * second, wallNow: wall.addingTimeInterval(200))
        #expect(paths.path(name) == nil, "forgotten after retention")
    }

    @Test("the path owns its sequence counters")
    func counters() throws {
        let paths = manager()
        let name = try PathName("lab/cam3")
        _ = try paths.attachPublisher(name, identity: identity("cam"))
        let path = try #require(paths.path(name))
        path.counters("classic").withLock { $0.nextMediaSequence = 41 }
        #expect(path.counters("classic").value.nextMediaSequence == 41)
        #expect(path.counters("low-latency").value.nextMediaSequence == 0, "each packager kind numbers its own segments")
    }
}
