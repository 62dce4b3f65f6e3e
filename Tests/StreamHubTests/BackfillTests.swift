import Foundation
import Logging
import MediaTypes
import Synchronization
import Testing
@testable import StreamHub

/// A reader whose backfill blocks until the test lets it go, as a packager muxing 30 s would take time.
final class SlowJoiningReader: PathReader {
    let events = Mutex<[String]>([])
    let firstUnit = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    let blocked = Atomic<Bool>(false)

    func handle(_ event: PathEvent) {
        if case .accessUnit(let unit) = event, !blocked.exchange(true, ordering: .relaxed) {
            firstUnit.signal()
            release.wait()
            events.withLock { $0.append("unit(\(unit.pts))") }
            return
        }
        switch event {
        case .tracks: events.withLock { $0.append("tracks") }
        case .accessUnit(let unit): events.withLock { $0.append("unit(\(unit.pts))") }
        case .publisherLeft: events.withLock { $0.append("left") }
        case .ended: events.withLock { $0.append("ended") }
        }
    }
}

@Suite("Paths: backfill")
struct BackfillTests {
    func unit(_ pts: Int64, key: Bool = true) -> AccessUnit {
        AccessUnit(track: 0, pts: pts, dts: pts, duration: 3600, isKeyframe: key, data: [0, 0, 1, 0x65], arrival: MonotonicClock.now())
    }

    @Test("a backfill of half a second keeps half a second (it was truncated to whole seconds: 0.5 kept nothing)")
    func fractionalBackfill() throws {
        let path = LivePath(name: try PathName("lab/half"), backfill: .milliseconds(500))
        #expect(path.backfill == 45_000)
        #expect(LivePath(name: try PathName("lab/odd"), backfill: .milliseconds(1_250)).backfill == 112_500)
        #expect(Duration.milliseconds(1_500).inNanoseconds == 1_500_000_000)
        #expect(Duration.milliseconds(-5).inNanoseconds == 0)
        #expect(Duration.milliseconds(250).inSeconds == 0.25)
    }

    @Test("a reader's backfill runs outside the path lock: the publisher keeps publishing, and the reader hears every unit once, in order")
    func backfillOutsideLock() async throws {
        let paths = PathManager(configuration: PathManager.Configuration(), logger: Logger(label: "test")) { _ in [] }
        let name = try PathName("lab/backfill")
        let session = try paths.attachPublisher(name, identity: PublisherIdentity(source: "cam", connection: "cam") { _ in }, now: MonotonicClock.now())
        session.publish(tracks: [Track(index: 0, codec: .h264, pid: 256)])
        for pts in stride(from: Int64(0), to: 36_000, by: 3_600) { session.publish(unit(pts, key: pts == 0)) }
        let path = try #require(paths.path(name))

        let reader = SlowJoiningReader()
        let joined = Thread { _ = path.reader(of: SlowJoiningReader.self) { reader } }
        joined.start()
        // The joining thread is inside the reader's backfill now, blocked on its first unit.
        #expect(reader.firstUnit.wait(timeout: .now() + 10) == .success)
        // The publisher is not held up by it (before the fix this waited on the path lock for ever).
        let published = DispatchSemaphore(value: 0)
        Thread {
            for pts in stride(from: Int64(36_000), to: 54_000, by: 3_600) { session.publish(self.unit(pts, key: false)) }
            session.end()
            published.signal()
        }.start()
        #expect(published.wait(timeout: .now() + 10) == .success, "the publisher waited for a reader's backfill")
        reader.release.signal()
        // The reader hears the backfill, then the units published meanwhile, each once.
        let expected = ["tracks"] + stride(from: 0, to: 54_000, by: 3_600).map { "unit(\($0))" } + ["left"]
        for _ in 0..<200 where reader.events.withLock({ $0.count }) < expected.count {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(reader.events.withLock { $0 } == expected)
        // From now on it hears live media directly.
        #expect(path.reader(of: SlowJoiningReader.self) === reader)
    }
}
