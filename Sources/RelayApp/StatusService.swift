import Foundation
import Logging
import MediaTypes
import RoomRegistry
import ServiceLifecycle
import StreamHub

/// Carries the paths' live state into the registry: status, last media time, ingest bitrate and the
/// SRT link figures, in memory every second and into SQLite coalesced every few seconds (never a
/// write per packet or per room-second). It also picks up registry changes other processes made
/// (the CLI revoking a device, say), which cut the affected connection within a second.
struct StatusService: Service {
    let paths: PathManager
    let registry: Registry
    let connections: ConnectionTable
    let logger: Logger
    var tick: Duration = .milliseconds(500)
    var flushEvery = 10  // ticks

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var previousBytes: [PathName: (bytes: Int, at: ContinuousClock.Instant)] = [:]
            var known: Set<PathName> = []
            var count = 0
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: tick)
                } catch {
                    break
                }
                count += 1
                do {
                    try await registry.reload(onlyIfChangedExternally: true)
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("registry reload failed", metadata: ["error": "\(error)"])
                }
                if count % 2 == 0 {
                    known = update(previousBytes: &previousBytes, known: known)
                }
                if count % flushEvery == 0 {
                    await flush()
                }
            }
        }
        // Keep the last state on a clean stop; at the next start every source begins offline anyway.
        await flush()
    }

    private func update(previousBytes: inout [PathName: (bytes: Int, at: ContinuousClock.Instant)], known: Set<PathName>) -> Set<PathName> {
        var seen: Set<PathName> = []
        let now = ContinuousClock.now
        for path in paths.allPaths() where path.name.kind != .lab {
            let snapshot = path.snapshot
            seen.insert(path.name)
            var figures = LiveFigures(lastMediaAt: snapshot.lastMediaAt)
            if let previous = previousBytes[path.name] {
                let seconds = (now - previous.at).inSeconds
                if seconds > 0, snapshot.bytesIn >= previous.bytes {
                    figures.bitrate = Int(Double(snapshot.bytesIn - previous.bytes) * 8 / seconds)
                }
            }
            previousBytes[path.name] = (snapshot.bytesIn, now)
            if let link = connections.connection(for: path.name)?.statistics() {
                figures.rttMs = link.rttMilliseconds
                figures.lossPercent = link.lossPercent
                figures.retransmits = link.packetsRetransmitted
            }
            registry.status.update(path: path.name.description, status: SourceStatus(snapshot.status), figures: figures)
        }
        // Paths forgotten by the hub are offline.
        for name in known.subtracting(seen) {
            registry.status.update(path: name.description, status: .offline)
            previousBytes[name] = nil
        }
        return seen
    }

    private func flush() async {
        do {
            try await registry.status.flush()
        } catch {
            logger.warning("live status not saved; will retry", metadata: ["error": "\(error)"])
        }
    }
}

extension SourceStatus {
    init(_ status: PathStatus) {
        switch status {
        case .online: self = .online
        case .stalled: self = .stalled
        case .reconnecting: self = .reconnecting
        case .offline: self = .offline
        }
    }
}
