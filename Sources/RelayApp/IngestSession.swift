import Logging
import MediaRemux
import MediaTypes
import SRTTransport
import StreamHub

/// One publishing connection: MPEG-TS from SRT through the demuxer into the path. Every call comes
/// from the connection's receive loop, so the demuxer needs no lock.
final class IngestSession: SRTConnectionHandler, @unchecked Sendable {
    // @unchecked: `reader` and `reportedContinuityErrors` are touched only on the owning receive loop.
    private let connection: SRTConnection
    private let session: PublisherSession
    private let reader: TransportStreamReader
    private let counters: IngestCounters
    private let connections: ConnectionTable
    private let logger: Logger
    private var reportedContinuityErrors = 0
    private var reportedStaleUnits = 0
    private var reportedTimelineJumps = 0
    private var failed = false
    /// When the link figures were last read (MonotonicClock ns): once a second, so the figures logged
    /// at disconnect exist even when libsrt has already let a broken link's socket go.
    private var statisticsReadAt: UInt64 = 0

    init(connection: SRTConnection, session: PublisherSession, counters: IngestCounters, connections: ConnectionTable, logger: Logger) {
        self.connection = connection
        self.session = session
        self.counters = counters
        self.connections = connections
        var logger = logger
        logger[metadataKey: "path"] = "\(session.pathName)"
        logger[metadataKey: "conn"] = "\(connection.id)"
        self.logger = logger
        reader = TransportStreamReader(logger: logger)
    }

    func received(_ bytes: UnsafeRawBufferPointer) {
        guard !failed else { return }
        let now = MonotonicClock.now()
        if now &- statisticsReadAt >= 1_000_000_000 {
            statisticsReadAt = now
            _ = connection.statistics()
        }
        do {
            try reader.feed(bytes, arrival: now) { event in deliver(event) }
        } catch {
            failed = true
            counters.garbageClosed.increment()
            logger.warning("closing publisher: input is not MPEG-TS", metadata: ["error": "\(error.message)", "peer": "\(connection.peer)"])
            connection.close(reason: "not MPEG-TS")
            return
        }
        if reader.staleUnitsDropped > reportedStaleUnits {
            counters.staleUnitsDropped.increment(by: reader.staleUnitsDropped - reportedStaleUnits)
            reportedStaleUnits = reader.staleUnitsDropped
        }
        if reader.timelineJumps > reportedTimelineJumps {
            counters.timelineJumps.increment(by: reader.timelineJumps - reportedTimelineJumps)
            reportedTimelineJumps = reader.timelineJumps
        }
        let errors = reader.continuityErrors
        if errors > reportedContinuityErrors {
            // Counted and logged, never turned into a discontinuity: inside one connection the timeline
            // goes on, and the decoder conceals the loss.
            counters.continuityErrors.increment(by: errors - reportedContinuityErrors)
            if reportedContinuityErrors == 0 || errors / 100 > reportedContinuityErrors / 100 {
                logger.notice("MPEG-TS continuity errors (packets lost before FieldRelay)", metadata: ["total": "\(errors)"])
            }
            reportedContinuityErrors = errors
        }
    }

    private func deliver(_ event: TransportStreamReader.Event) {
        switch event {
        case .tracks(let tracks):
            if tracks.isEmpty {
                logger.warning("publisher's program has no stream FieldRelay can remux (H.264, H.265, AAC)")
            } else {
                logger.info("tracks", metadata: ["tracks": "\(tracks.map(\.description).joined(separator: ", "))"])
            }
            session.publish(tracks: tracks)
        case .accessUnit(let unit):
            counters.accessUnits.increment()
            session.publish(unit)
        }
    }

    func closed(_ reason: SRTCloseReason) {
        if !failed {
            reader.flush(arrival: MonotonicClock.now()) { event in deliver(event) }
        }
        session.end()
        connections.remove(connection, for: session.pathName)
        var metadata: Logger.Metadata = ["reason": "\(reason)", "continuityErrors": "\(reader.continuityErrors)"]
        if reader.staleUnitsDropped > 0 { metadata["staleUnitsDropped"] = "\(reader.staleUnitsDropped)" }
        if reader.timelineJumps > 0 { metadata["timelineJumps"] = "\(reader.timelineJumps)" }
        if let link = connection.statistics() {
            // libsrt's receiver figures for the whole connection: lost (gaps seen), retransmitted
            // (arrived again), dropped (too late for the latency window: lost for good).
            metadata["srtReceived"] = "\(link.packetsReceived)"
            metadata["srtLost"] = "\(link.packetsLost)"
            metadata["srtRetransmitted"] = "\(link.packetsRetransmitted)"
            metadata["srtDropped"] = "\(link.packetsDropped)"
            metadata["rttMs"] = "\(Int(link.rttMilliseconds.rounded()))"
        }
        logger.info("publisher disconnected", metadata: metadata)
    }
}
