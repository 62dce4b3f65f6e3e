import Evidence
import Foundation
import Logging
import MediaRemux
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs evidence exports (issue 14), one at a time on a thread of its own, into
/// `<recording dir>/.exports/`: the package is built in `<id>.tmp/` and renamed to `<id>.zip`
/// when whole. A job whose range reaches into a file still being recorded waits, queued, until
/// that file is sealed (its seal is part of the package). A job running when the gateway stopped
/// runs again at the next start; a failed one says why and leaves nothing behind.
public final class ExportRunner: Sendable {
    public static let directoryName = ".exports"

    public enum Event: Sendable {
        case finished(ExportJob)
        case failed(ExportJob)
    }

    let index: any RecordingIndex
    let directory: URL
    let sealer: EvidenceSealer
    let configuration: RecordingConfiguration
    let logger: Logger
    let now: @Sendable () -> Date
    let onEvent: @Sendable (Event) -> Void
    let wake = DispatchSemaphore(value: 0)
    let stopping = Atomic<Bool>(false)
    let done = DispatchSemaphore(value: 0)
    /// Live progress and why a queued job waits, by id (the index has the state).
    let live = Mutex<[String: (progress: Double, waiting: String?)]>([:])

    public var exportsDirectory: URL { directory.appendingPathComponent(Self.directoryName) }

    public init(index: any RecordingIndex, directory: URL, sealer: EvidenceSealer, configuration: RecordingConfiguration,
                logger: Logger, now: @escaping @Sendable () -> Date = { Date() }, onEvent: @escaping @Sendable (Event) -> Void = { _ in }) {
        self.index = index
        self.directory = directory
        self.sealer = sealer
        self.configuration = configuration
        self.logger = logger
        self.now = now
        self.onEvent = onEvent
        try? FileManager.default.createDirectory(at: exportsDirectory, withIntermediateDirectories: true)
        recoverAfterRestart()
        let thread = Thread { [self] in run() }
        thread.name = "evidence-export"
        thread.start()
    }

    public func shutdown() {
        stopping.store(true, ordering: .relaxed)
        wake.signal()
        _ = done.wait(timeout: .now() + 30)
    }

    /// Queues a job; the runner wakes at once.
    public func submit(path: String, range: PlaybackRange, note: String, requestedBy: String, incidentID: String? = nil,
                       allowed: [ExportJob.AllowedSpan]?) throws -> ExportJob {
        let job = try index.createExport(path: path, from: range.from, to: range.to, note: note, requestedBy: requestedBy,
                                         incidentID: incidentID, at: now(), allowed: allowed)
        logger.notice("export \(job.id) queued: \(path) \(range) for \(requestedBy)")
        wake.signal()
        return job
    }

    /// The job with its live progress (nil: no such job).
    public func job(id: String) throws -> (job: ExportJob, waiting: String?)? {
        guard var job = try index.export(id: id) else { return nil }
        let current = live.withLock { $0[id] }
        if job.state == .running, let current { job.progress = current.progress }
        return (job, job.state == .queued ? current?.waiting : nil)
    }

    /// Every job, newest first.
    public func jobs() throws -> [ExportJob] { try index.exports() }

    /// Where a finished job's package is.
    public func packagePath(_ job: ExportJob) -> String { exportsDirectory.appendingPathComponent("\(job.id).zip").path }

    // MARK: - the thread

    func recoverAfterRestart() {
        // Work space of a job cut short by a crash or stop.
        if let names = try? FileManager.default.contentsOfDirectory(atPath: exportsDirectory.path) {
            for name in names where name.hasSuffix(".tmp") {
                try? FileManager.default.removeItem(at: exportsDirectory.appendingPathComponent(name))
            }
        }
        for var job in (try? index.exports()) ?? [] where job.state == .running {
            job.state = .queued
            job.progress = 0
            try? index.updateExport(job)
            logger.notice("export \(job.id) was running when the gateway stopped: queued again")
        }
    }

    func run() {
        defer { done.signal() }
        var lastSweep = Date.distantPast
        while !stopping.load(ordering: .relaxed) {
            if now().timeIntervalSince(lastSweep) >= 60 {
                sweepExpired()
                lastSweep = now()
            }
            let queued = ((try? index.exports()) ?? []).filter { $0.state == .queued }.reversed()
            var worked = false
            for job in queued where !stopping.load(ordering: .relaxed) {
                if runOne(job) { worked = true }
            }
            if !worked { _ = wake.wait(timeout: .now() + 2) }
        }
    }

    struct Waiting: Error {
        var reason: String
    }

    /// Runs `job`; false when it still waits for a file to be sealed.
    func runOne(_ queuedJob: ExportJob) -> Bool {
        var job = queuedJob
        let work = exportsDirectory.appendingPathComponent("\(job.id).tmp")
        do {
            let plan = try ExportPlan.make(job: job, index: index, directory: directory, logger: logger)
            live.withLock { $0[job.id] = (0, nil) }
            job.state = .running
            try index.updateExport(job)
            logger.notice("export \(job.id) running: \(plan.fragmentCount) fragment(s) from \(plan.sources.count) file(s), \(plan.bytes) bytes")
            try? FileManager.default.removeItem(at: work)
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            let builder = ExportBuilder(job: job, plan: plan, directory: directory, work: work, sealer: sealer,
                                        minFreeBytes: Int64(configuration.minFreeMiB) * 1_048_576, now: now, logger: logger) { [id = job.id] progress in
                self.live.withLock { $0[id] = (progress, nil) }
            }
            let package = try builder.build()
            let final = packagePath(job)
            guard rename(package.path, final) == 0 else {
                throw RecordingError(.storage, "cannot move the package into place: \(String(cString: strerror(errno)))")
            }
            try? FileManager.default.removeItem(at: work)
            job.state = .done
            job.progress = 1
            job.finishedAt = now()
            job.size = package.size
            job.sha256 = package.sha256
            try index.updateExport(job)
            live.withLock { $0[job.id] = nil }
            logger.notice("export \(job.id) done: \(package.size) bytes, SHA-256 \(package.sha256.lowercaseHex)")
            onEvent(.finished(job))
            return true
        } catch let waiting as Waiting {
            live.withLock { $0[job.id] = (0, waiting.reason) }
            return false
        } catch {
            try? FileManager.default.removeItem(at: work)
            job.state = .failed
            job.error = "\(error)"
            job.finishedAt = now()
            live.withLock { $0[job.id] = nil }
            do {
                try index.updateExport(job)
            } catch let indexError {
                logger.error("export \(job.id): cannot record its failure: \(indexError)")
            }
            logger.error("export \(job.id) failed: \(error)")
            onEvent(.failed(job))
            return true
        }
    }

    /// Removes packages finished more than `exportRetentionHours` ago (the job stays, expired).
    func sweepExpired() {
        let limit = TimeInterval(configuration.exportRetentionHours) * 3600
        for var job in (try? index.exports()) ?? [] where job.state == .done {
            guard let finished = job.finishedAt, now().timeIntervalSince(finished) > limit else { continue }
            unlink(packagePath(job))
            job.state = .expired
            try? index.updateExport(job)
            logger.notice("export \(job.id) expired: its package is removed (recording.exportRetentionHours \(configuration.exportRetentionHours))")
        }
    }
}

/// What an export takes: per recording file, its whole fragments overlapping the range (and the
/// allowed spans, for a restricted requester), in time order.
struct ExportPlan {
    struct Source {
        var file: RecordedFile
        var fragments: [RecordedFragment]
    }

    var sources: [Source]
    var given: PlaybackRange
    var included: [(from: Date, to: Date)]
    var gaps: [(from: Date, to: Date)]

    var fragmentCount: Int { sources.reduce(0) { $0 + $1.fragments.count } }
    var bytes: Int64 { sources.reduce(0) { $0 + $1.file.initLength + $1.fragments.reduce(0) { $0 + $1.length } } }

    static func make(job: ExportJob, index: any RecordingIndex, directory: URL, logger: Logger) throws -> ExportPlan {
        let range = PlaybackRange(from: job.from, to: job.to)
        let included: [(from: Date, to: Date)] = job.allowed.map { spans in
            spans.compactMap { span in
                let from = max(span.from, range.from), to = min(span.to, range.to)
                return from < to ? (from, to) : nil
            }
        } ?? [(range.from, range.to)]
        let plan = try PlaybackPlan.make(index: index, directory: directory, path: job.path, range: range, logger: logger)
        var sources: [Source] = []
        for (file, fragment, _) in plan.fragments where included.contains(where: { fragment.start < $0.to && fragment.end > $0.from }) {
            if sources.last?.file.id == file.id {
                sources[sources.count - 1].fragments.append(fragment)
            } else {
                sources.append(Source(file: file, fragments: [fragment]))
            }
        }
        guard let first = sources.first?.fragments.first, let last = sources.last?.fragments.last else {
            throw RecordingError(.notFound, "nothing is recorded of \(job.path) from \(RecordingTime.format(range.from)) to \(RecordingTime.format(range.to))"
                                 + (job.allowed != nil ? " within what the requester could see live" : ""))
        }
        // The seal is part of the package: a file still being recorded is waited for.
        for source in sources {
            guard let current = try index.file(id: source.file.id) else {
                throw RecordingError(.notFound, "\(source.file.name) left the index while the export was planned")
            }
            if !current.isSealed {
                throw ExportRunner.Waiting(reason: "waiting for \(current.name) to be sealed (it is still being recorded; "
                                           + "files close every recording.fileMinutes and when the publisher stops)")
            }
        }
        // Gaps: where nothing included was recorded between the fragments taken.
        var gaps: [(from: Date, to: Date)] = []
        var cursor = first.start
        for fragment in sources.flatMap(\.fragments) {
            if fragment.start.timeIntervalSince(cursor) > PlaybackPlan.gapThreshold { gaps.append((cursor, fragment.start)) }
            cursor = max(cursor, fragment.end)
        }
        return ExportPlan(sources: sources.map { source in
            Source(file: (try? index.file(id: source.file.id)).flatMap { $0 } ?? source.file, fragments: source.fragments)
        }, given: PlaybackRange(from: first.start, to: last.end), included: included, gaps: gaps)
    }
}
