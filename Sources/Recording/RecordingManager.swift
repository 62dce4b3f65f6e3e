import Foundation
import Logging
import PathRules
import StreamHub
import Synchronization

/// A feed attached to an open joint session, as joint reporting says.
public struct ActiveFeed: Sendable, Hashable {
    public var path: String
    public var sessionID: String
    public var incidentID: String
    public var attachedAt: Date

    public init(path: String, sessionID: String, incidentID: String, attachedAt: Date) {
        self.path = path
        self.sessionID = sessionID
        self.incidentID = incidentID
        self.attachedAt = attachedAt
    }
}

/// Decides which live paths are recorded and keeps a `PathRecorder` on exactly those: a path is
/// recorded while its rule says `always`, while one of its feeds is attached to an open session
/// (whatever the rule says, backfill included), or while a hand recording of it runs. Also keeps
/// the session links (attach spans) that retention and session playback read.
public final class RecordingManager: Sendable {
    struct State {
        var recorders: [String: PathRecorder] = [:]
        /// Why each recorded path is recorded (for the ledger and the status).
        var reasons: [String: Set<String>] = [:]
        var handPaths: [String: Set<Int64>] = [:]
        /// Links open in the index, by "path|session".
        var openLinks: Set<String> = []
        var feeds: [ActiveFeed] = []
    }

    public let writer: RecordingWriter
    public let index: any RecordingIndex
    public let configuration: RecordingConfiguration
    let paths: PathManager
    let backfill: TimeInterval
    let logger: Logger
    let state = Mutex(State())

    public init(writer: RecordingWriter, index: any RecordingIndex, configuration: RecordingConfiguration, paths: PathManager,
                backfillSeconds: Double, logger: Logger) throws {
        self.writer = writer
        self.index = index
        self.configuration = configuration
        self.paths = paths
        self.backfill = backfillSeconds
        self.logger = logger
        let hands = try index.activeHandRecordings()
        let links = try index.links(path: nil, incidentID: nil, sessionID: nil).filter { $0.to == nil }
        state.withLock { state in
            for hand in hands { state.handPaths[hand.path, default: []].insert(hand.id) }
            state.openLinks = Set(links.map { "\($0.path)|\($0.sessionID)" })
        }
    }

    var now: Date { writer.now() }

    /// Why `path` should be recorded now (empty: it should not).
    func reasons(for path: String, in state: State) -> Set<String> {
        var reasons: Set<String> = []
        if let media = try? MediaPath(path), configuration.rules.mode(for: media) == .always { reasons.insert("rule") }
        if state.feeds.contains(where: { $0.path == path }) { reasons.insert("session") }
        if !(state.handPaths[path]?.isEmpty ?? true) { reasons.insert("hand") }
        return reasons
    }

    /// Brings recorders and session links in line with the live paths and `feeds` (called every
    /// second, and at once after a hand recording starts or stops).
    public func reconcile(feeds: [ActiveFeed]? = nil) {
        let time = now
        if let feeds { updateLinks(feeds, at: time) }
        let live = paths.allPaths()
        var started: [(LivePath, PathRecorder, Set<String>)] = []
        var stopped: [(String, PathRecorder, LivePath?)] = []
        state.withLock { state in
            var seen: Set<String> = []
            for path in live {
                let name = path.name.description
                seen.insert(name)
                let reasons = reasons(for: name, in: state)
                if reasons.isEmpty {
                    if let recorder = state.recorders.removeValue(forKey: name) {
                        state.reasons[name] = nil
                        stopped.append((name, recorder, path))
                    }
                } else if let recorder = state.recorders[name], path.reader(of: PathRecorder.self) === recorder {
                    state.reasons[name] = reasons
                } else {
                    let recorder = PathRecorder(path: name, writer: writer)
                    state.recorders[name] = recorder
                    state.reasons[name] = reasons
                    started.append((path, recorder, reasons))
                }
            }
            // Paths the hub forgot: their recorder heard `.ended` and sealed its file.
            for (name, recorder) in state.recorders where !seen.contains(name) {
                state.recorders[name] = nil
                state.reasons[name] = nil
                stopped.append((name, recorder, nil))
            }
        }
        for (path, recorder, reasons) in started {
            // Joins with the path's backfill: the minutes before an attach are recorded too.
            if let stale = path.reader(of: PathRecorder.self) { path.removeReader(stale) }
            path.addReader(recorder, backfill: .all)
            ledger(.recordingStarted, path: path.name.description, ["because": reasons.sorted().joined(separator: ",")], at: time)
            logger.info("recording started", metadata: ["path": "\(path.name)", "because": "\(reasons.sorted().joined(separator: ","))"])
        }
        for (name, recorder, path) in stopped {
            path?.removeReader(recorder)
            recorder.finish(reason: path == nil ? "path gone" : "no longer wanted")
            ledger(.recordingStopped, path: name, [:], at: time)
            logger.info("recording stopped", metadata: ["path": "\(name)"])
        }
    }

    func updateLinks(_ feeds: [ActiveFeed], at time: Date) {
        let (toOpen, toClose) = state.withLock { state -> ([ActiveFeed], [String]) in
            state.feeds = feeds
            let current = Set(feeds.map { "\($0.path)|\($0.sessionID)" })
            let opening = feeds.filter { !state.openLinks.contains("\($0.path)|\($0.sessionID)") }
            let closing = state.openLinks.subtracting(current)
            return (opening, Array(closing))
        }
        for feed in toOpen { noteAttach(feed) }
        for key in toClose {
            let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
            if parts.count == 2 { noteDetach(path: parts[0], sessionID: parts[1], at: time) }
        }
    }

    /// A feed attached, as the record says (at once, not at the next reconcile: an attach shorter
    /// than a second is linked too).
    public func noteAttach(_ feed: ActiveFeed) {
        let key = "\(feed.path)|\(feed.sessionID)"
        guard !state.withLock({ $0.openLinks.contains(key) }) else { return }
        do {
            try index.openLink(SessionLink(path: feed.path, sessionID: feed.sessionID, incidentID: feed.incidentID,
                                           from: feed.attachedAt.addingTimeInterval(-backfill)))
            _ = state.withLock { $0.openLinks.insert(key) }
        } catch {
            logger.error("recording: cannot record the attach of \(feed.path) to \(feed.sessionID): \(error)")
        }
    }

    /// A feed detached, or its session closed (`path` nil: every feed of the session).
    public func noteDetach(path: String?, sessionID: String, at time: Date) {
        let keys = state.withLock { state in
            state.openLinks.filter { key in
                let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
                return parts.count == 2 && parts[1] == sessionID && (path == nil || parts[0] == path)
            }
        }
        for key in keys {
            let linkPath = String(key.split(separator: "|", maxSplits: 1)[0])
            do {
                try index.closeLink(path: linkPath, sessionID: sessionID, at: time)
                _ = state.withLock { $0.openLinks.remove(key) }
            } catch {
                logger.error("recording: cannot record the detach of \(linkPath) from \(sessionID): \(error)")
            }
        }
    }

    func ledger(_ kind: LedgerKind, path: String?, _ detail: [String: String], at time: Date) {
        do {
            try index.appendLedger(kind, path: path, detail: detail, at: time)
        } catch {
            logger.error("recording ledger: cannot append \(kind.rawValue): \(error)")
        }
    }

    // MARK: - hand recordings

    public func startHand(path: String, note: String, by actor: String) throws -> HandRecording {
        guard (try? MediaPath(path)) != nil else { throw RecordingError(.invalidRequest, "path: not a path: \(path)", field: "path") }
        let hand = try index.startHandRecording(path: path, note: note, by: actor, at: now)
        _ = state.withLock { $0.handPaths[path, default: []].insert(hand.id) }
        reconcile()
        return hand
    }

    /// Ends a hand recording only: a rule or a session that also wants the path keeps recording it.
    public func stopHand(id: Int64, by actor: String) throws -> HandRecording {
        let hand = try index.stopHandRecording(id: id, by: actor, at: now)
        state.withLock { state in
            state.handPaths[hand.path]?.remove(id)
            if state.handPaths[hand.path]?.isEmpty ?? false { state.handPaths[hand.path] = nil }
        }
        reconcile()
        return hand
    }

    /// The paths being recorded now and why.
    public var recording: [String: [String]] {
        state.withLock { state in state.reasons.mapValues { $0.sorted() } }
    }

    /// Seals every open file (shutdown).
    public func stopAll() {
        let recorders = state.withLock { state -> [(String, PathRecorder)] in
            let all = Array(state.recorders)
            state.recorders.removeAll()
            state.reasons.removeAll()
            return all
        }
        for (name, recorder) in recorders {
            if let media = try? PathName(name), let path = paths.path(media) { path.removeReader(recorder) }
            recorder.finish(reason: "shutdown")
        }
    }
}
