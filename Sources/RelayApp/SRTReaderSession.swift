import Logging
import MediaRemux
import MediaTypes
import SRTTransport
import StreamHub
import Synchronization

/// A hall's hardware decoder reading a path over SRT (`m=request`): the path's access units muxed
/// into one continuous MPEG-TS stream and sent in 1316-byte messages (7 TS packets).
///
/// It is a reader of the path, so it runs on the publisher's receive loop; sends never block
/// (SRTO_SNDSYN off). A reader whose send buffer fills up is dropped — it never slows the publisher.
final class SRTReaderSession: PathReader, SRTConnectionHandler, @unchecked Sendable {
    // @unchecked: `muxer` and `pending` are touched only from `handle`, which the path serialises
    // under its lock; `dropped` is a Mutex.
    private let connection: SRTConnection
    private let path: LivePath
    private let counters: IngestCounters
    private let logger: Logger
    private var muxer: TransportStreamMuxer?
    private var pending: [UInt8] = []
    private let dropped = Mutex(false)

    static let messageSize = 1316

    /// Why the reader may no longer read the path (its read key rotated, or the viewing rules no
    /// longer let it see the path), or nil while it may (always nil for a lab path). Asked for
    /// every access unit: in-memory look-ups, the same HLS makes per request.
    private let revocation: (@Sendable () -> String?)?

    init(connection: SRTConnection, path: LivePath, counters: IngestCounters, logger: Logger,
         revocation: (@Sendable () -> String?)? = nil) {
        self.revocation = revocation
        self.connection = connection
        self.path = path
        self.counters = counters
        var logger = logger
        logger[metadataKey: "path"] = "\(path.name)"
        logger[metadataKey: "conn"] = "\(connection.id)"
        logger[metadataKey: "reader"] = "srt"
        self.logger = logger
    }

    /// Joins the path: starts from its last keyframe so the decoder can begin at once.
    func start() {
        counters.readersConnected.increment()
        logger.info("SRT reader connected", metadata: ["peer": "\(connection.peer)"])
        path.addReader(self, backfill: .lastKeyframe)
    }

    // MARK: - PathReader (publisher's loop)

    func handle(_ event: PathEvent) {
        guard !dropped.withLock({ $0 }) else { return }
        switch event {
        case .tracks(let tracks, _):
            flush(final: true)
            do {
                // A new program (new publisher or codecs): a fresh muxer repeats PAT/PMT at once.
                muxer = try TransportStreamMuxer(tracks: tracks)
            } catch {
                muxer = nil
                logger.warning("cannot mux this program for SRT readers", metadata: ["error": "\(error)"])
            }
        case .accessUnit(let unit):
            if let reason = revocation?() {
                drop(reason, revoked: true)
                return
            }
            guard let muxer else { return }
            do {
                try muxer.write(unit)
            } catch {
                logger.debug("access unit not muxed for the SRT reader", metadata: ["error": "\(error)"])
                return
            }
            pending += muxer.drain()
            flush(final: false)
        case .publisherLeft, .ended:
            if let muxer { pending += muxer.drain() }
            flush(final: true)
        }
    }

    /// Sends whole 1316-byte messages; with `final`, the remainder too.
    private func flush(final: Bool) {
        var offset = 0
        while pending.count - offset >= Self.messageSize || (final && offset < pending.count) {
            let end = min(pending.count, offset + Self.messageSize)
            let result = pending[offset..<end].withUnsafeBytes { connection.send($0) }
            switch result {
            case .sent:
                offset = end
            case .full:
                drop("slow reader: its send buffer is full")
                return
            case .closed(let why):
                drop("send failed: \(why)")
                return
            }
        }
        pending.removeFirst(offset)
    }

    /// Closes the reader once; `revoked`: because it lost permission, not because it was slow.
    private func drop(_ reason: String, revoked: Bool = false) {
        let first = dropped.withLock { dropped -> Bool in
            defer { dropped = true }
            return !dropped
        }
        guard first else { return }
        pending = []
        if revoked {
            counters.readersRevoked.increment()
        } else {
            counters.readersDropped.increment()
        }
        logger.notice("SRT reader dropped", metadata: ["reason": "\(reason)"])
        connection.close(reason: reason)
    }

    // MARK: - SRTConnectionHandler (reader's loop)

    func received(_ bytes: UnsafeRawBufferPointer) {
        // Readers have nothing to say; anything they send is ignored.
    }

    func closed(_ reason: SRTCloseReason) {
        dropped.withLock { $0 = true }
        path.removeReader(self)
        counters.readersConnected.decrement()
        logger.info("SRT reader disconnected", metadata: ["reason": "\(reason)"])
    }
}
