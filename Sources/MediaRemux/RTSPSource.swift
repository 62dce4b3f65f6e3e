import CFFmpeg
import Logging
import MediaTypes
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One RTSP session with a camera through libavformat's RTSP client (DESCRIBE, SETUP, PLAY, RTP
/// over the RTSP connection or over UDP), on a thread of its own: libavformat's reads block, and
/// blocking calls never run on NIO's event loops, the Swift concurrency pool or the SRT receive
/// loops. Packets go through a `PacketAdapter`, so the events are the MPEG-TS intake's: tracks,
/// then access units, delivered on this thread to `onEvent`. The session ends once — failed,
/// ended by the camera, or stopped — with `onEnd` and the reason as a `MediaError`. A new
/// session (a reconnect) is a new `RTSPSource`.
///
/// Time limits are kept by libavformat's interrupt callback (`AVIOInterruptCB`), polled inside
/// every blocking call: connect and the RTSP exchange (`connectTimeout`), connect to the first
/// keyframe (`startTimeout`), and each read (`readTimeout`); `stop()` interrupts at once.
///
/// Credentials are put into the URL only inside the session, percent-encoded (libavformat
/// decodes user information, httpauth.c), and never logged: the URL shown is `displayURL`, and
/// while the session lives its password is masked in every libavformat log line (`LogRedaction`).
public final class RTSPSource: Sendable {
    public struct Configuration: Sendable {
        public enum Transport: String, Sendable, CaseIterable {
            /// RTP interleaved on the RTSP connection (RFC 2326 10.12): passes NAT and firewalls.
            case tcp
            /// RTP on UDP ports of its own.
            case udp
        }

        /// `rtsp://host[:port]/path`. User information in it is replaced by `username`/`password`
        /// when those are given.
        public var url: String
        public var transport: Transport
        public var username: String?
        public var password: String?
        /// Connect and the RTSP exchange up to PLAY (10 s).
        public var connectTimeout: Duration
        /// Connect to the first keyframe that starts the stream (15 s: a camera with a 6 s GOP
        /// joined just after a keyframe needs about 6).
        public var startTimeout: Duration
        /// The longest wait for a packet once playing (10 s).
        public var readTimeout: Duration

        public init(url: String, transport: Transport = .tcp, username: String? = nil, password: String? = nil,
                    connectTimeout: Duration = .seconds(10), startTimeout: Duration = .seconds(15), readTimeout: Duration = .seconds(10)) {
            self.url = url
            self.transport = transport
            self.username = username
            self.password = password
            self.connectTimeout = connectTimeout
            self.startTimeout = startTimeout
            self.readTimeout = readTimeout
        }

        /// The URL as it may be shown and logged: without user information.
        public var displayURL: String { LogRedaction.redact(url) }

        /// The URL libavformat is given: the credentials percent-encoded into its user information.
        func urlWithCredentials() -> String {
            guard let username, !username.isEmpty else { return url }
            guard let schemeEnd = url.firstRange(of: "://") else { return url }
            let rest = url[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            var hostStart = rest.startIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@") { hostStart = rest.index(after: at) }
            var userInformation = Self.percentEncoded(username)
            if let password { userInformation += ":" + Self.percentEncoded(password) }
            return String(url[..<schemeEnd.upperBound]) + userInformation + "@" + String(rest[hostStart...])
        }

        /// RFC 3986 2.3: everything but the unreserved characters, as %XX of its UTF-8 bytes.
        public static func percentEncoded(_ text: String) -> String {
            var out = ""
            for byte in text.utf8 {
                let unreserved = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                    || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
                if unreserved {
                    out.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    let digits = Array("0123456789ABCDEF".unicodeScalars)
                    out += "%"
                    out.unicodeScalars.append(digits[Int(byte >> 4)])
                    out.unicodeScalars.append(digits[Int(byte & 0x0F)])
                }
            }
            return out
        }

        /// What must never appear in a log line: the password as given and as sent (encoded, and in
        /// a Basic Authorization header).
        var secrets: [String] {
            guard let password, !password.isEmpty else { return [] }
            let encoded = Self.percentEncoded(password)
            return [password, encoded, Base64.encode(Array("\(username ?? ""):\(password)".utf8))]
        }
    }

    /// What a running or ended session can tell from any thread.
    public struct Report: Sendable, Equatable {
        /// The camera's streams as libavformat described them ("0: h264 video", "1: pcm_alaw audio").
        public var streams: [String] = []
        /// Streams left out, with the reason and the packets dropped.
        public var dropped: [PacketAdapter.DroppedStream] = []
        public var isPublished = false
        public var staleUnitsDropped = 0
        public var timelineJumps = 0
        public var damagedPackets = 0
        public var unitsBeforeTracks = 0
        public var packets = 0

        public init() {}
    }

    public let configuration: Configuration
    private let logger: Logger
    private let onEvent: @Sendable (TransportStreamReader.Event) -> Void
    private let onEnd: @Sendable (MediaError) -> Void
    private let control = InterruptControl()
    private let state = Mutex(Report())
    private let started = Atomic<Bool>(false)

    /// `onEvent` and `onEnd` are called on the session's thread.
    public init(configuration: Configuration, logger: Logger, onEvent: @escaping @Sendable (TransportStreamReader.Event) -> Void,
                onEnd: @escaping @Sendable (MediaError) -> Void) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "camera"] = "\(configuration.displayURL)"
        self.logger = logger
        self.onEvent = onEvent
        self.onEnd = onEnd
    }

    public var report: Report { state.withLock { $0 } }

    /// Starts the session on a new thread (once).
    public func start() {
        guard !started.exchange(true, ordering: .relaxed) else { return }
        let running = OwnedThread.start { [self] in
            let outcome = run()
            onEnd(outcome)
        }
        if !running { onEnd(MediaError(.library, "cannot start a thread for the RTSP session")) }
    }

    /// Interrupts the session: whatever libavformat is waiting for returns, and the session ends
    /// with `.stopped` shortly after (never blocks the caller).
    public func stop() {
        control.stopRequested.store(true, ordering: .relaxed)
    }

    // MARK: - The session (on its thread)

    private static let networkReady: Bool = {
        avformat_network_init()
        return true
    }()

    private func run() -> MediaError {
        _ = Self.networkReady
        let secrets = LogRedaction.register(configuration.secrets)
        defer { LogRedaction.unregister(secrets) }
        let began = MonotonicClock.now()
        let startDeadline = began &+ configuration.startTimeout.inNanoseconds
        guard let allocated = avformat_alloc_context() else { return MediaError(.outOfMemory, "avformat_alloc_context") }
        allocated.pointee.interrupt_callback = AVIOInterruptCB(callback: interruptCallback,
                                                               opaque: Unmanaged.passUnretained(control).toOpaque())
        var options: OpaquePointer?
        av_dict_set(&options, "rtsp_transport", configuration.transport.rawValue, 0)
        control.arm(deadline: began &+ min(configuration.connectTimeout, configuration.startTimeout).inNanoseconds)
        var context: UnsafeMutablePointer<AVFormatContext>? = allocated
        // On failure avformat_open_input frees the context and sets the pointer to nil.
        let opened = avformat_open_input(&context, configuration.urlWithCredentials(), nil, &options)
        av_dict_free(&options)
        guard opened >= 0, let context else { return failure(opened, connecting: true) }
        defer { closeSession(context) }

        let streams = describe(context)
        let adapter = PacketAdapter(streams: streams, logger: logger)
        state.withLock { report in
            report.streams = streams.map { "\($0.index): \($0.codecName)" }
            report.dropped = adapter.dropped
        }
        logger.info("camera connected", metadata: ["streams": "\(streams.map { "\($0.index): \($0.codecName)" }.joined(separator: ", "))",
                                                    "transport": "\(configuration.transport.rawValue)"])
        for dropped in adapter.dropped {
            logger.notice("stream left out", metadata: ["stream": "\(dropped.stream)", "codec": "\(dropped.codecName)", "reason": "\(dropped.reason)"])
        }
        guard adapter.hasVideo else {
            let offered = streams.map(\.codecName).joined(separator: ", ")
            return MediaError(.noVideo, "no video: the camera offers no H.264 or H.265 video (streams: \(offered.isEmpty ? "none" : offered))")
        }
        guard let packet = av_packet_alloc() else { return MediaError(.outOfMemory, "av_packet_alloc") }
        defer { av_packet_free_safe(packet) }
        let nopts = cffmpeg_nopts()
        var reportedAt: UInt64 = 0
        while true {
            // libavformat may hand over packets it holds without polling the interrupt callback.
            if control.stopRequested.load(ordering: .relaxed) { return MediaError(.stopped, "stopped") }
            let now = MonotonicClock.now()
            var deadline = now &+ configuration.readTimeout.inNanoseconds
            if !adapter.isPublished {
                guard now < startDeadline else { return startTimedOut(adapter) }
                deadline = min(deadline, startDeadline)
            }
            control.arm(deadline: deadline)
            let result = av_read_frame(context, packet)
            if result == cffmpeg_averror(EAGAIN) { continue }
            guard result >= 0 else {
                publishReport(adapter)
                if !adapter.isPublished, control.timedOut.load(ordering: .relaxed), MonotonicClock.now() >= startDeadline {
                    return startTimedOut(adapter)
                }
                return failure(result, connecting: false)
            }
            let size = Int(packet.pointee.size)
            let data = size > 0 && packet.pointee.data != nil ? Array(UnsafeBufferPointer(start: packet.pointee.data, count: size)) : []
            let converted = PacketAdapter.Packet(stream: Int(packet.pointee.stream_index),
                                                 pts: packet.pointee.pts == nopts ? nil : packet.pointee.pts,
                                                 dts: packet.pointee.dts == nopts ? nil : packet.pointee.dts, data: data)
            av_packet_unref(packet)
            let wasPublished = adapter.isPublished
            let arrival = MonotonicClock.now()
            adapter.push(converted, arrival: arrival) { event in onEvent(event) }
            state.withLock { $0.packets += 1 }
            if adapter.isPublished != wasPublished || arrival &- reportedAt >= 1_000_000_000 {
                reportedAt = arrival
                publishReport(adapter)
            }
        }
    }

    private func publishReport(_ adapter: PacketAdapter) {
        state.withLock { report in
            report.dropped = adapter.dropped
            report.isPublished = adapter.isPublished
            report.staleUnitsDropped = adapter.staleUnitsDropped
            report.timelineJumps = adapter.timelineJumps
            report.damagedPackets = adapter.damagedPackets
            report.unitsBeforeTracks = adapter.unitsBeforeTracks
        }
    }

    private func startTimedOut(_ adapter: PacketAdapter) -> MediaError {
        let seconds = Int(configuration.startTimeout.inSeconds.rounded())
        if let refusal = adapter.refusal {
            return MediaError(.noVideo, "no video: no keyframe could start the stream within \(seconds) s (\(refusal))")
        }
        return MediaError(.timedOut, "timed out: no video keyframe within \(seconds) s of connecting")
    }

    /// Closes the session. TEARDOWN may go out, but the close never waits more than a second.
    private func closeSession(_ context: UnsafeMutablePointer<AVFormatContext>) {
        control.closing.store(true, ordering: .relaxed)
        control.arm(deadline: MonotonicClock.now() &+ 1_000_000_000)
        var pointer: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&pointer)
    }

    /// The streams as libavformat's RTSP demuxer set them up from the SDP.
    private func describe(_ context: UnsafeMutablePointer<AVFormatContext>) -> [PacketAdapter.Stream] {
        var streams: [PacketAdapter.Stream] = []
        for index in 0..<Int(context.pointee.nb_streams) {
            guard let stream = context.pointee.streams[index], let parameters = stream.pointee.codecpar else { continue }
            let id = parameters.pointee.codec_id
            let name = avcodec_get_name(id).map { String(cString: $0) } ?? "unknown"
            let type = parameters.pointee.codec_type
            let content: PacketAdapter.Stream.Content
            switch id {
            case AV_CODEC_ID_H264: content = .video(.h264)
            case AV_CODEC_ID_HEVC: content = .video(.hevc)
            case AV_CODEC_ID_AAC: content = .aac
            case AV_CODEC_ID_AAC_LATM: content = .latm
            default:
                if type == AVMEDIA_TYPE_VIDEO {
                    content = .unsupported("\(name) video cannot be carried: FieldRelay remuxes H.264 and H.265 only (it never transcodes)")
                } else if type == AVMEDIA_TYPE_AUDIO {
                    content = .unsupported(Self.audioReason(id, name: name))
                } else {
                    content = .ignored
                }
            }
            var extradata: [UInt8] = []
            if let bytes = parameters.pointee.extradata, parameters.pointee.extradata_size > 0 {
                extradata = Array(UnsafeBufferPointer(start: bytes, count: Int(parameters.pointee.extradata_size)))
            }
            let rate = parameters.pointee.sample_rate
            let channels = parameters.pointee.ch_layout.nb_channels
            streams.append(PacketAdapter.Stream(index: index, content: content, codecName: name,
                                                timeBase: (stream.pointee.time_base.num, stream.pointee.time_base.den),
                                                extradata: extradata, sampleRate: rate > 0 ? Int(rate) : nil,
                                                channels: channels > 0 ? Int(channels) : nil))
        }
        return streams
    }

    static func audioReason(_ id: AVCodecID, name: String) -> String {
        let what: String
        switch id {
        case AV_CODEC_ID_PCM_ALAW: what = "G.711 A-law (\(name)) audio"
        case AV_CODEC_ID_PCM_MULAW: what = "G.711 µ-law (\(name)) audio"
        case AV_CODEC_ID_ADPCM_G726, AV_CODEC_ID_ADPCM_G726LE: what = "G.726 (\(name)) audio"
        case AV_CODEC_ID_ADPCM_G722: what = "G.722 (\(name)) audio"
        case AV_CODEC_ID_OPUS: what = "Opus audio"
        default: what = "\(name) audio"
        }
        return "\(what) cannot be carried in HLS here (AAC only, never transcoded): left out, video only"
    }

    /// The session's end as a MediaError, from libavformat's result and what the interrupt saw.
    private func failure(_ result: Int32, connecting: Bool) -> MediaError {
        if control.stopRequested.load(ordering: .relaxed) { return MediaError(.stopped, "stopped") }
        let host = Self.hostAndPort(configuration.displayURL)
        if control.timedOut.load(ordering: .relaxed) || result == cffmpeg_averror(ETIMEDOUT) {
            if connecting {
                let seconds = Int(min(configuration.connectTimeout, configuration.startTimeout).inSeconds.rounded())
                return MediaError(.timedOut, "timed out: \(host) did not answer within \(seconds) s")
            }
            return MediaError(.timedOut, "timed out: no data from \(host) for \(Int(configuration.readTimeout.inSeconds.rounded())) s")
        }
        let detail = MediaError.av(result, connecting ? "connect" : "read").message
        switch result {
        case cffmpeg_averror_http_unauthorized():
            let said = configuration.username == nil ? "the camera requires credentials" : "the camera refused the credentials"
            return MediaError(.authenticationFailed, "authentication failed: \(said) (RTSP 401)")
        case cffmpeg_averror_http_forbidden():
            return MediaError(.authenticationFailed, "authentication failed: access forbidden (RTSP 403)")
        case cffmpeg_averror_http_not_found():
            return MediaError(.notFound, "not found: \(host) has no stream at this URL (RTSP 404)")
        case cffmpeg_averror(ECONNREFUSED):
            return MediaError(.connectionRefused, "connection refused by \(host)")
        case cffmpeg_averror_eof():
            return MediaError(.connectionLost, "the camera ended the stream")
        case cffmpeg_averror(ECONNRESET), cffmpeg_averror(EPIPE), cffmpeg_averror(EHOSTUNREACH), cffmpeg_averror(ENETUNREACH),
             cffmpeg_averror(EIO), cffmpeg_averror(ENOTCONN):
            return MediaError(.connectionLost, "connection to \(host) lost (\(detail))")
        case cffmpeg_averror_http_other_4xx(), cffmpeg_averror_http_server_error():
            return MediaError(.library, "the camera refused the request (\(detail))")
        default:
            return MediaError(.library, detail)
        }
    }

    /// `host:port` of an RTSP URL (for messages: the credentials are not in it).
    static func hostAndPort(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<end]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        return String(authority)
    }
}

/// The interrupt callback's state: a stop request, and the deadline of the blocking call now
/// under way (monotonic nanoseconds, 0 for none). Shared with libavformat through an unretained
/// pointer; the `RTSPSource` that owns it outlives the session's format context.
final class InterruptControl: Sendable {
    let stopRequested = Atomic<Bool>(false)
    /// Set while the session closes: only the deadline counts (so TEARDOWN may go out after a stop).
    let closing = Atomic<Bool>(false)
    let deadline = Atomic<UInt64>(0)
    /// Whether a deadline interrupted the last call (so its error means "timed out").
    let timedOut = Atomic<Bool>(false)

    func arm(deadline value: UInt64) {
        timedOut.store(false, ordering: .relaxed)
        deadline.store(value, ordering: .relaxed)
    }

    func shouldInterrupt() -> Bool {
        if !closing.load(ordering: .relaxed), stopRequested.load(ordering: .relaxed) { return true }
        let limit = deadline.load(ordering: .relaxed)
        if limit != 0, MonotonicClock.now() >= limit {
            timedOut.store(true, ordering: .relaxed)
            return true
        }
        return false
    }
}

private let interruptCallback: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { opaque in
    guard let opaque else { return 0 }
    return Unmanaged<InterruptControl>.fromOpaque(opaque).takeUnretainedValue().shouldInterrupt() ? 1 : 0
}

/// A thread FieldRelay owns (pthreads: MediaRemux does without Foundation), detached.
enum OwnedThread {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) {
            self.run = run
        }
    }

    /// Runs `body` on a new thread; false when none could be made (then `body` never runs).
    static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let body = Unmanaged<Body>.fromOpaque(argument).takeRetainedValue()
            body.run()
            return nil
        }, box)
        guard created == 0 else {
            Unmanaged<Body>.fromOpaque(box).release()
            return false
        }
        pthread_detach(thread)
        return true
    }
}

/// RFC 4648 Base64, for the one header value `LogRedaction` must recognise.
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value = 0
            for (offset, byte) in chunk.enumerated() { value |= Int(byte) << (16 - 8 * offset) }
            for position in 0..<4 {
                if position <= chunk.count {
                    out.append(alphabet[(value >> (18 - 6 * position)) & 0x3F])
                } else {
                    out.append("=")
                }
            }
            index += 3
        }
        return String(out)
    }
}
