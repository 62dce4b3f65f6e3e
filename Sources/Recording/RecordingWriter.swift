import Evidence
import Foundation
import Logging
import MediaRemux
import MediaTypes
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One group of pictures of one path, from a keyframe to the next: one fragment on disk.
public struct RecordingGOP: Sendable {
    public var path: String
    /// The publisher connection it came from; a new one starts a new file.
    public var instance: String
    public var tracks: [Track]
    /// Changes when the tracks do (codec change, new publisher): a new file.
    public var generation: Int
    public var units: [AccessUnit]
    /// Wall-clock time of the first unit (its arrival).
    public var wallStart: Date
    public var bytes: Int

    public init(path: String, instance: String, tracks: [Track], generation: Int, units: [AccessUnit], wallStart: Date) {
        self.path = path
        self.instance = instance
        self.tracks = tracks
        self.generation = generation
        self.units = units
        self.wallStart = wallStart
        self.bytes = units.reduce(0) { $0 + $1.data.count }
    }
}

/// What the writer reports about itself (`/api/v1/recordings/status`, `/metrics`).
public struct RecordingWriterFigures: Sendable, Equatable {
    public var fragmentsWritten: Int = 0
    public var fragmentsDropped: Int = 0
    public var bytesWritten: Int64 = 0
    public var filesOpened: Int = 0
    public var filesSealed: Int = 0
    public var writeErrors: Int = 0
    public var queuedBytes: Int = 0
    public var diskLow: Bool = false
    public var openFiles: Int = 0
}

/// Writes recordings off the receive loops. Recorders hand it whole GOPs through a bounded queue
/// (`recording.queueMiB`); a writer thread per lane muxes each into one fMP4 fragment, hashes it,
/// writes it, `fdatasync`s it and only then indexes it (its own transaction). A disk slower than
/// the streams fills the queue and further GOPs are dropped — counted, logged and put in the
/// ledger as a gap — so live delivery never waits for the disk. Below `recording.minFreeMiB` new
/// recording stops (files sealed, a ledger entry) and resumes by itself when space returns.
public final class RecordingWriter: Sendable {
    enum Job: Sendable {
        case gop(RecordingGOP)
        case close(path: String, reason: String)
        case flush(@Sendable () -> Void)
        case stop
    }

    struct Gap: Sendable {
        var from: Date
        var to: Date
        var fragments: Int
        var reason: String
    }

    final class Lane: @unchecked Sendable {
        // @unchecked: `jobs` is under its Mutex; `openFiles` is touched only by the lane's thread.
        let jobs = Mutex<[Job]>([])
        let signal = DispatchSemaphore(value: 0)
        var openFiles: [String: OpenFile] = [:]
        let done = DispatchSemaphore(value: 0)
    }

    final class OpenFile {
        var record: RecordedFile
        let fd: Int32
        let fullPath: String
        let muxer: FragmentedMP4Muxer
        var chain: FragmentChain
        var nextOffset: Int64
        var nextSequence = 0
        let generation: Int
        let instance: String
        let startWall: Date
        let referenceTrack: Int
        var firstReferenceDTS: Int64?

        init(record: RecordedFile, fd: Int32, fullPath: String, muxer: FragmentedMP4Muxer, generation: Int, instance: String, startWall: Date, referenceTrack: Int) {
            self.record = record
            self.fd = fd
            self.fullPath = fullPath
            self.muxer = muxer
            self.chain = FragmentChain(initHash: record.initHash)
            self.nextOffset = record.initLength
            self.generation = generation
            self.instance = instance
            self.startWall = startWall
            self.referenceTrack = referenceTrack
        }
    }

    public let directory: URL
    let index: any RecordingIndex
    let configuration: RecordingConfiguration
    let logger: Logger
    let lanes: [Lane]
    let queuedBytes = Atomic<Int>(0)
    let stopped = Atomic<Bool>(false)
    let figures = Mutex(RecordingWriterFigures())
    let gaps = Mutex<[String: Gap]>([:])
    /// Serialises the disk-low transition across lanes (one ledger entry per transition).
    let diskState = Mutex(false)
    /// Injected for tests of retention and time ranges; the wall clock otherwise.
    public let now: @Sendable () -> Date
    /// Signs each file's seal when it is sealed (nil: no evidence key, as in unit tests).
    let sealer: EvidenceSealer?

    public init(directory: URL, index: any RecordingIndex, configuration: RecordingConfiguration,
                logger: Logger = Logger(label: "fieldrelay.recording"), sealer: EvidenceSealer? = nil,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.directory = directory
        self.sealer = sealer
        self.index = index
        self.configuration = configuration
        self.logger = logger
        self.now = now
        lanes = (0..<max(1, configuration.writerThreads)).map { _ in Lane() }
        for (number, lane) in lanes.enumerated() {
            let thread = Thread { [self] in run(lane) }
            thread.name = "recording-writer-\(number)"
            thread.start()
        }
    }

    public var currentFigures: RecordingWriterFigures {
        var result = figures.withLock { $0 }
        result.queuedBytes = queuedBytes.load(ordering: .relaxed)
        result.diskLow = diskState.withLock { $0 }
        return result
    }

    /// Bytes free on the recording directory's file system (nil when it cannot be read).
    public var freeBytes: Int64? { DiskFile.freeBytes(directory.path) }

    func lane(for path: String) -> Lane {
        var hasher = Hasher()
        hasher.combine(path)
        // Hasher is seeded per process: stable within the run, which is all a path needs.
        return lanes[Int(UInt(bitPattern: hasher.finalize()) % UInt(lanes.count))]
    }

    /// Queues a GOP; false (and a gap) when the queue is full.
    @discardableResult
    public func submit(_ gop: RecordingGOP) -> Bool {
        let limit = configuration.queueMiB * 1_048_576
        let (before, after) = queuedBytes.add(gop.bytes, ordering: .relaxed)
        // One GOP larger than the whole queue is still taken when nothing else waits.
        guard after <= limit || before == 0 else {
            queuedBytes.subtract(gop.bytes, ordering: .relaxed)
            noteDropped(gop, reason: "queue full: the disk is slower than the streams")
            return false
        }
        enqueue(.gop(gop), on: lane(for: gop.path))
        return true
    }

    /// Seals the path's open file once what was queued before is written.
    public func close(path: String, reason: String) {
        enqueue(.close(path: path, reason: reason), on: lane(for: path))
    }

    /// Waits until everything queued so far is written (tests, shutdown).
    public func drain() async {
        for lane in lanes {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                enqueue(.flush({ continuation.resume() }), on: lane)
            }
        }
    }

    /// Writes what is queued, seals every open file and stops the threads.
    /// Idempotent: a second call returns at once (the threads are gone).
    public func shutdown() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for lane in lanes { enqueue(.stop, on: lane) }
        for lane in lanes { lane.done.wait() }
    }

    func enqueue(_ job: Job, on lane: Lane) {
        lane.jobs.withLock { $0.append(job) }
        lane.signal.signal()
    }

    func run(_ lane: Lane) {
        while true {
            lane.signal.wait()
            guard let job = lane.jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
            switch job {
            case .gop(let gop):
                write(gop, lane: lane)
                queuedBytes.subtract(gop.bytes, ordering: .relaxed)
            case .close(let path, let reason):
                if let file = lane.openFiles.removeValue(forKey: path) { seal(file, reason: reason) }
                recordGap(path: path)
            case .flush(let resume):
                resume()
            case .stop:
                for (path, file) in lane.openFiles { seal(file, reason: "shutdown"); recordGap(path: path) }
                lane.openFiles.removeAll()
                lane.done.signal()
                return
            }
        }
    }

    // MARK: - writing

    func write(_ gop: RecordingGOP, lane: Lane) {
        guard !gop.units.isEmpty else { return }
        guard checkSpace() else {
            if let file = lane.openFiles.removeValue(forKey: gop.path) { seal(file, reason: "disk low") }
            noteDropped(gop, reason: "free space below recording.minFreeMiB")
            return
        }
        if let file = lane.openFiles[gop.path] {
            let age = gop.wallStart.timeIntervalSince(file.startWall)
            if file.generation != gop.generation || file.instance != gop.instance {
                lane.openFiles[gop.path] = nil
                seal(file, reason: file.instance != gop.instance ? "new publisher" : "tracks changed")
            } else if age >= Double(configuration.fileMinutes) * 60 {
                lane.openFiles[gop.path] = nil
                seal(file, reason: "file duration reached")
            }
        }
        recordGap(path: gop.path)
        let file: OpenFile
        if let open = lane.openFiles[gop.path] {
            file = open
        } else {
            do {
                file = try openFile(for: gop)
            } catch {
                figures.withLock { $0.writeErrors += 1 }
                logger.error("recording: cannot open a file for \(gop.path): \(error)")
                noteDropped(gop, reason: "cannot open a file: \(error)")
                if let failure = error as? DiskFile.Failure, failure.isNoSpace { _ = enterDiskLow(reason: failure.description) }
                return
            }
            lane.openFiles[gop.path] = file
        }
        do {
            try append(gop, to: file)
        } catch {
            figures.withLock { $0.writeErrors += 1 }
            logger.error("recording: fragment of \(gop.path) not written: \(error)")
            // Cut back whatever part of the fragment reached the file: the index never names it.
            // The muxer may still hold part of the GOP, so the file ends here; the next GOP
            // starts a new one.
            try? DiskFile.truncate(file.fd, to: file.nextOffset, path: file.fullPath)
            noteDropped(gop, reason: "write failed: \(error)")
            lane.openFiles[gop.path] = nil
            let noSpace = (error as? DiskFile.Failure)?.isNoSpace ?? false
            seal(file, reason: noSpace ? "disk full" : "write failed")
            if noSpace, let failure = error as? DiskFile.Failure { _ = enterDiskLow(reason: failure.description) }
        }
    }

    func openFile(for gop: RecordingGOP) throws -> OpenFile {
        let muxer = try FragmentedMP4Muxer(tracks: gop.tracks, absoluteDecodeTimes: true)
        let start = Date(timeIntervalSince1970: Double(LedgerEntry.milliseconds(gop.wallStart)) / 1000)
        let name = try RecordingLayout.fileName(path: gop.path, start: start, instance: gop.instance)
        let fullPath = directory.appendingPathComponent(name).path
        try DiskFile.makeDirectories((fullPath as NSString).deletingLastPathComponent)
        let fd = try DiskFile.create(fullPath)
        do {
            try DiskFile.write(fd, muxer.initSection, at: 0, path: fullPath)
            try DiskFile.syncData(fd, path: fullPath)
            try DiskFile.syncDirectory((fullPath as NSString).deletingLastPathComponent)
            let codecs = gop.tracks.compactMap { CodecString.of($0) }.joined(separator: ",")
            let record = try index.createFile(path: gop.path, name: name, instance: gop.instance, codecs: codecs, createdAt: now(),
                                              initLength: Int64(muxer.initSection.count), initHash: FragmentChain.hash(muxer.initSection))
            let reference = gop.tracks.firstIndex { $0.codec == .h264 || $0.codec == .hevc } ?? 0
            figures.withLock { $0.filesOpened += 1; $0.openFiles += 1 }
            logger.info("recording: \(gop.path) → \(name)")
            return OpenFile(record: record, fd: fd, fullPath: fullPath, muxer: muxer, generation: gop.generation,
                            instance: gop.instance, startWall: start, referenceTrack: reference)
        } catch {
            Glibc.close(fd)
            unlink(fullPath)
            throw error
        }
    }

    func append(_ gop: RecordingGOP, to file: OpenFile) throws {
        for unit in gop.units where unit.track < gop.tracks.count {
            try file.muxer.write(unit)
        }
        let bytes = try file.muxer.flushFragment()
        guard !bytes.isEmpty else { return }
        let reference = gop.units.filter { $0.track == file.referenceTrack }
        let first = reference.first ?? gop.units[0]
        let last = reference.last ?? gop.units[gop.units.count - 1]
        if file.firstReferenceDTS == nil { file.firstReferenceDTS = first.dts }
        let base = file.firstReferenceDTS ?? first.dts
        let start = file.startWall.addingTimeInterval(Double(first.dts - base) / Double(AccessUnit.clockRate))
        let end = file.startWall.addingTimeInterval(Double(last.dts + max(0, last.duration) - base) / Double(AccessUnit.clockRate))
        let hash = FragmentChain.hash(bytes)
        try DiskFile.write(file.fd, bytes, at: file.nextOffset, path: file.fullPath)
        try DiskFile.syncData(file.fd, path: file.fullPath)
        let fragment = RecordedFragment(fileID: file.record.id, sequence: file.nextSequence, offset: file.nextOffset,
                                        length: Int64(bytes.count), start: start, end: max(end, start), hash: hash)
        try index.appendFragment(fragment)
        file.nextOffset += Int64(bytes.count)
        file.nextSequence += 1
        file.chain.append(hash)
        file.record.fragmentCount += 1
        figures.withLock {
            $0.fragmentsWritten += 1
            $0.bytesWritten += Int64(bytes.count)
        }
    }

    func seal(_ file: OpenFile, reason: String) {
        Glibc.close(file.fd)
        do {
            let (sealed, entry) = try index.sealFile(id: file.record.id, at: now(), chainHead: file.chain.head, recovered: false, detail: ["reason": reason])
            figures.withLock { $0.filesSealed += 1; $0.openFiles -= 1 }
            if let sealer, let entry { sealer.sign(sealed, entry: entry, index: index, signedAt: sealed.sealedAt ?? now()) }
        } catch {
            figures.withLock { $0.writeErrors += 1; $0.openFiles -= 1 }
            // Left unsealed in the index: recovery seals it at the next start.
            logger.error("recording: cannot seal \(file.record.name): \(error)")
        }
    }

    // MARK: - gaps and disk space

    func noteDropped(_ gop: RecordingGOP, reason: String) {
        figures.withLock { $0.fragmentsDropped += 1 }
        let end = gop.wallStart.addingTimeInterval(Self.span(of: gop))
        let first = gaps.withLock { gaps -> Bool in
            if var gap = gaps[gop.path] {
                gap.to = max(gap.to, end)
                gap.fragments += 1
                gaps[gop.path] = gap
                return false
            }
            gaps[gop.path] = Gap(from: gop.wallStart, to: end, fragments: 1, reason: reason)
            return true
        }
        if first { logger.warning("recording: \(gop.path) dropping fragments (\(reason)); live delivery continues") }
    }

    /// Puts a path's pending gap in the ledger (when recording of it resumes or stops).
    func recordGap(path: String) {
        guard let gap = gaps.withLock({ $0.removeValue(forKey: path) }) else { return }
        do {
            try index.appendLedger(.gap, path: path, detail: [
                "from": RecordingTime.format(gap.from), "to": RecordingTime.format(gap.to),
                "fragments": String(gap.fragments), "reason": gap.reason,
            ], at: now())
        } catch {
            logger.error("recording: cannot record a gap of \(path) in the ledger: \(error)")
        }
        logger.warning("recording: \(path) gap of \(gap.fragments) fragment(s) from \(RecordingTime.format(gap.from)) to \(RecordingTime.format(gap.to)): \(gap.reason)")
    }

    /// True when there is room to write; manages the disk-low state and its ledger entries.
    func checkSpace() -> Bool {
        let minimum = Int64(configuration.minFreeMiB) * 1_048_576
        guard let free = freeBytes else { return true }
        if free < minimum {
            return !enterDiskLow(reason: "\(free / 1_048_576) MiB free, below recording.minFreeMiB \(configuration.minFreeMiB)")
        }
        diskState.withLock { low in
            guard low else { return }
            low = false
            _ = try? index.appendLedger(.diskResumed, path: nil, detail: ["freeMiB": String(free / 1_048_576)], at: now())
            logger.notice("recording: \(free / 1_048_576) MiB free again: recording resumes")
        }
        return true
    }

    /// Enters the disk-low state (once per transition); returns true.
    func enterDiskLow(reason: String) -> Bool {
        diskState.withLock { low in
            guard !low else { return }
            low = true
            _ = try? index.appendLedger(.diskLow, path: nil, detail: ["reason": reason], at: now())
            logger.error("recording: stopped, \(reason); nothing protected is deleted to make room, live delivery continues")
        }
        return true
    }

    static func span(of gop: RecordingGOP) -> TimeInterval {
        guard let first = gop.units.first, let last = gop.units.last else { return 0 }
        return Double(max(0, last.dts + last.duration - first.dts)) / Double(AccessUnit.clockRate)
    }
}
