import Evidence
import Foundation
import JointReporting
import Logging
import PathRules
import Recording
import RecordingStore
import RelayAPI
import ServiceLifecycle
import StreamHub

/// Recording as the gateway runs it: the directory and its index, recovery at start, the writer,
/// the manager that decides what is recorded, the ledger's anchoring into the joint-reporting
/// record, and retention. A recording directory that is missing or read-only at start leaves
/// recording off — with a log line, a metric and `/api/v1/recordings/status` saying why — and
/// the live service starts anyway: emergency video is never withheld for a storage fault.
public final class RecordingServices: Sendable {
    public let context: RecordingContext
    let manager: RecordingManager?
    let exports: ExportRunner?
    let coordinator: SessionCoordinator
    let logger: Logger

    init(context: RecordingContext, manager: RecordingManager?, exports: ExportRunner? = nil, coordinator: SessionCoordinator, logger: Logger) {
        self.context = context
        self.manager = manager
        self.exports = exports
        self.coordinator = coordinator
        self.logger = logger
    }

    static func directory(_ configuration: RelayConfiguration) -> URL {
        configuration.recording.directory.isEmpty
            ? URL(fileURLWithPath: configuration.dataDirectory).appendingPathComponent("recordings")
            : URL(fileURLWithPath: configuration.recording.directory)
    }

    static func recordingConfiguration(_ settings: RelayConfiguration.RecordingSettings, directory: URL) -> RecordingConfiguration {
        var configuration = RecordingConfiguration()
        configuration.enabled = settings.enabled
        configuration.directory = directory
        // Validated at load: every rule parses.
        configuration.rules = RecordingRules(settings.rules.compactMap { rule in
            RecordingMode(rawValue: rule.mode).flatMap { try? RecordingRule(match: rule.match, mode: $0) }
        })
        configuration.fileMinutes = settings.fileMinutes
        configuration.retentionDays = settings.retentionDays
        configuration.incidentRetentionDays = settings.incidentRetentionDays
        configuration.minFreeMiB = settings.minFreeMiB
        configuration.maxPlaybackMinutes = settings.maxPlaybackMinutes
        configuration.queueMiB = settings.queueMiB
        configuration.writerThreads = settings.writerThreads
        configuration.retentionIntervalSeconds = settings.retentionIntervalSeconds
        configuration.maxExportMinutes = settings.maxExportMinutes
        configuration.exportRetentionHours = settings.exportRetentionHours
        return configuration
    }

    /// The gateway's evidence key, `<data>/evidence.key`: created at first start; missing beside
    /// existing seals, the start stops (a silent new key would orphan every seal made so far).
    static func evidenceKey(_ configuration: RelayConfiguration) throws -> EvidenceKey {
        let path = URL(fileURLWithPath: configuration.dataDirectory).appendingPathComponent("evidence.key").path
        do {
            let recordings = directory(configuration)
            return try EvidenceKey.loadOrCreate(at: path, sealsExist: { EvidenceSealer.sealsExist(under: recordings) }).key
        } catch {
            throw RelayAppError(.startup, "evidence key: \(error.message)")
        }
    }

    static func build(_ configuration: RelayConfiguration, paths: PathManager, coordinator: SessionCoordinator, evidenceKey: EvidenceKey,
                      logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) -> RecordingServices {
        let directory = directory(configuration)
        let settings = recordingConfiguration(configuration.recording, directory: directory)
        func off(_ reason: String) -> RecordingServices {
            logger.error("recording is off: \(reason); live service continues")
            return RecordingServices(context: RecordingContext(configuration: settings, manager: nil, offReason: reason, evidenceKey: evidenceKey.publicKey),
                                     manager: nil, coordinator: coordinator, logger: logger)
        }
        guard settings.enabled else {
            logger.notice("recording is off (recording.enabled: false)")
            return RecordingServices(context: RecordingContext(configuration: settings, manager: nil, offReason: "recording.enabled is false",
                                                                      evidenceKey: evidenceKey.publicKey),
                                     manager: nil, coordinator: coordinator, logger: logger)
        }
        // The default directory is made; a configured one must exist (an unmounted disk's mount
        // point must not fill the system disk instead).
        if configuration.recording.directory.isEmpty {
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return off("the recording directory \(directory.path) does not exist")
        }
        guard access(directory.path, W_OK) == 0 else {
            return off("the recording directory \(directory.path) is not writable")
        }
        let index: RecordingDatabase
        do {
            index = try RecordingDatabase(directory: directory)
        } catch {
            return off("the recording index cannot be opened: \(error)")
        }
        // After kill -9 or a power cut: open files are cut back to what verifies and sealed, and
        // files the index does not know are indexed from their own boxes. Before any writer.
        do {
            let report = try RecordingRecovery.run(directory: directory, index: index, now: now(), logger: logger)
            if report.changedAnything || report.count(.failed) > 0 {
                logger.notice("\(report.summary)")
            }
        } catch {
            return off("recovery of the recording directory failed: \(error)")
        }
        // Seals of files sealed without one (recovered just now, or before the gateway had a key).
        let sealer = EvidenceSealer(key: evidenceKey, directory: directory, logger: logger)
        _ = sealer.signMissing(index: index, now: now())
        let writer = RecordingWriter(directory: directory, index: index, configuration: settings, logger: logger, sealer: sealer, now: now)
        let manager: RecordingManager
        do {
            manager = try RecordingManager(writer: writer, index: index, configuration: settings, paths: paths,
                                           backfillSeconds: configuration.paths.backfillSeconds, logger: logger)
        } catch {
            writer.shutdown()
            return off("the recording index cannot be read: \(error)")
        }
        logger.notice("recording", metadata: ["directory": "\(directory.path)", "evidenceKey": "\(evidenceKey.publicKey.id)",
                                              "rules": "\(settings.rules.rules.map { "\($0.match)=\($0.mode.rawValue)" }.joined(separator: " "))"])
        let exports = ExportRunner(index: index, directory: directory, sealer: sealer, configuration: settings, logger: logger, now: now) { event in
            let (job, kind): (ExportJob, AuditKind) = switch event {
            case .finished(let job): (job, .exportFinished)
            case .failed(let job): (job, .exportFailed)
            }
            var detail: [String: AuditValue] = ["export": .string(job.id), "path": .string(job.path),
                                                "from": .string(RecordingTime.format(job.from)), "to": .string(RecordingTime.format(job.to))]
            if let sha256 = job.sha256 { detail["sha256"] = .string(sha256.lowercaseHex) }
            if let size = job.size { detail["size"] = .int(size) }
            if let error = job.error { detail["error"] = .string(error) }
            Task { _ = try? await coordinator.recordExternal(kind, actor: "system", incidentId: job.incidentID, detail: detail) }
        }
        return RecordingServices(context: RecordingContext(configuration: settings, manager: manager, offReason: nil,
                                                           evidenceKey: evidenceKey.publicKey, exports: exports),
                                 manager: manager, exports: exports, coordinator: coordinator, logger: logger)
    }

    /// The feeds attached to open sessions, as recording needs them.
    static func activeFeeds(_ coordinator: SessionCoordinator) async -> [ActiveFeed] {
        await coordinator.sessions(visibleTo: .admin, state: .open).flatMap { session in
            session.feeds.map { ActiveFeed(path: $0.path.description, sessionID: session.id, incidentID: session.incidentId, attachedAt: $0.attachedAt) }
        }
    }

    /// What retention needs of each incident: when it closed (its final report) and its grade
    /// (1 = grade I, the most severe).
    static func incidentRetention(_ coordinator: SessionCoordinator) async -> [String: IncidentRetention] {
        var result: [String: IncidentRetention] = [:]
        for incident in await coordinator.incidents(visibleTo: .admin) {
            let closedAt = incident.reports.last { $0.stage.kind == .final }?.filedAt
            let grade = switch incident.grade { case .i: 1; case .ii: 2; case .iii: 3; case .iv: 4 }
            result[incident.id] = IncidentRetention(closedAt: closedAt, grade: grade)
        }
        return result
    }

    var services: [any Service] {
        guard let manager else { return [] }
        return [RecordingService(manager: manager, exports: exports, coordinator: coordinator, logger: logger)]
    }
}

/// Runs recording while the gateway runs: reconciles what is recorded every second, anchors the
/// ledger into the joint-reporting record every hour and when a session closes, and at shutdown
/// writes what is queued and seals every open file.
struct RecordingService: Service {
    let manager: RecordingManager
    let exports: ExportRunner?
    let coordinator: SessionCoordinator
    let logger: Logger

    func run() async throws {
        // Attaches, detaches and closes as the record says them, at once: links are exact, and an
        // attach starts its recording without waiting for the next reconcile.
        let changes = await coordinator.subscribe { [.feedAttached, .feedDetached, .closed].contains($0.kind) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await cancelWhenGracefulShutdown {
                    var lastAnchor = ContinuousClock.now
                    while !Task.isCancelled {
                        manager.reconcile(feeds: await RecordingServices.activeFeeds(coordinator))
                        if ContinuousClock.now - lastAnchor >= .seconds(3600) {
                            await anchor(reason: "hourly")
                            lastAnchor = .now
                        }
                        do { try await Task.sleep(for: .seconds(1)) } catch { return }
                    }
                }
            }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    // The first sweep a minute after start, then every retentionIntervalSeconds.
                    var delay = Duration.seconds(60)
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: delay) } catch { return }
                        await sweep()
                        delay = .seconds(manager.configuration.retentionIntervalSeconds)
                    }
                }
            }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    for await event in changes {
                        guard let sessionId = event.sessionId else { continue }
                        let path: String? = if case .string(let text)? = event.detail["path"] { text } else { nil }
                        switch event.kind {
                        case .feedAttached:
                            if let path, let incidentId = event.incidentId {
                                manager.noteAttach(ActiveFeed(path: path, sessionID: sessionId, incidentID: incidentId, attachedAt: event.at))
                            }
                        case .feedDetached:
                            if let path { manager.noteDetach(path: path, sessionID: sessionId, at: event.at) }
                        default:
                            manager.noteDetach(path: nil, sessionID: sessionId, at: event.at)
                        }
                        manager.reconcile(feeds: await RecordingServices.activeFeeds(coordinator))
                        if event.kind == .closed {
                            // The closing session's links are closed in the index before its anchor.
                            await anchor(reason: "session \(sessionId) closed", sessionId: sessionId)
                        }
                    }
                }
            }
        }
        manager.stopAll()
        await manager.writer.drain()
        manager.writer.shutdown()
        if let exports { await withCheckedContinuation { continuation in
            DispatchQueue.global().async { exports.shutdown(); continuation.resume() }
        } }
        logger.info("recording stopped: every open file sealed")
    }

    /// Retention (DOMAIN.md): routine video after `retentionDays`, an incident's video 180 days
    /// after it closed, grade I and II, evidence and held video kept; deletions in the ledger.
    func sweep() async {
        let incidents = await RecordingServices.incidentRetention(coordinator)
        let manager = manager
        let logger = logger
        let report = await withCheckedContinuation { (continuation: CheckedContinuation<SweepReport, Never>) in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(returning: RetentionSweep.run(directory: manager.writer.directory, index: manager.index, incidents: incidents,
                                                                  configuration: manager.configuration, now: manager.writer.now(), logger: logger))
            }
        }
        if !report.deleted.isEmpty || !report.failures.isEmpty {
            logger.notice("retention: \(report.deleted.count) file(s) deleted, \(report.bytesFreed / 1_048_576) MiB freed, \(report.failures.count) failure(s)")
        }
    }

    /// Puts the ledger's head into the joint-reporting record (HMAC-chained), then notes that in
    /// the ledger: rewriting the ledger afterwards cannot match the record.
    func anchor(reason: String, sessionId: String? = nil) async {
        do {
            guard let head = try manager.index.ledgerHead() else { return }
            let event = try await coordinator.recordExternal(.recordingAnchored, actor: "system", sessionId: sessionId, detail: [
                "sequence": .int(head.sequence), "hash": .string(head.hash.hexString), "reason": .string(reason),
            ])
            try manager.index.appendLedger(.anchored, path: nil, detail: [
                "ledgerSequence": String(head.sequence), "ledgerHash": head.hash.hexString, "auditSeq": String(event.seq),
            ], at: Date())
        } catch {
            logger.error("recording: cannot anchor the ledger into the record: \(error)")
        }
    }
}
