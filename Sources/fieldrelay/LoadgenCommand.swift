import ArgumentParser
import Foundation
import Logging
import SRTTransport
import Synchronization

/// `fieldrelay loadgen`: many paced SRT publishers from one process, for operators and benchmarks.
struct LoadgenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadgen",
        abstract: "Push N SRT publishers from one process, each paced in real time by an MPEG-TS file's timestamps.",
        discussion: """
        Every stream loops the file with continuous timestamps and continuity counters. All callers share one \
        local UDP port (one libsrt multiplexer) and one or two sender threads. Stream ids come from --stream-id \
        ({i} is the stream's index) or, with --data, from the registry: the first N rooms (of --registry-export \
        if given, else in code order) with their own stream id and key. Prints totals every second and a summary \
        at the end (or on SIGINT/SIGTERM).
        """)

    @Option(name: .long, help: "The listener: srt://HOST:PORT.")
    var url: String

    @Option(name: .long, help: "The MPEG-TS file every stream sends (read once, shared).")
    var file: String

    @Option(name: .long, help: "How many publishers.")
    var streams: Int

    @Option(name: .customLong("stream-id"), help: "Stream id template; {i} is replaced by the stream index (default lab/load-{i}).")
    var streamID: String?

    @Option(name: .customLong("first-index"), help: "Index of the first stream (for {i}, and for the room list).")
    var firstIndex = 0

    @Option(name: .customLong("registry-export"), help: "Registry CSV export whose village rooms to publish as (needs --data for the keys).")
    var registryExport: String?

    @Option(name: .long, help: "The gateway's data directory: room stream ids and keys come from its registry.")
    var data: String?

    @Option(name: .long, help: "Passphrase for every templated stream (10 to 79 characters).")
    var passphrase: String?

    @Option(name: .long, help: "New connections per second (0: all at once).")
    var ramp: Double = 100

    @Option(name: .long, help: "Seconds to run from the first connection; default: until SIGINT or SIGTERM.")
    var duration: Double?

    @Option(name: .long, help: "SRT latency in milliseconds (the larger of this and the listener's applies).")
    var latency = 200

    @Option(name: .customLong("connect-timeout"), help: "Milliseconds before an unanswered handshake counts as rejected.")
    var connectTimeout = 3000

    @Option(name: .customLong("sender-threads"), help: "Sender threads (1 or 2 are enough for hundreds of streams).")
    var senderThreads = 1

    @Flag(name: .customLong("port-per-stream"), help: "Stream i connects to PORT+i (one listener per stream, for peers such as ffmpeg).")
    var portPerStream = false

    @Option(name: .long, help: "pcr: each message at its own PCR time (smooth, like a hardware encoder); burst: each PES's messages together at its start (like ffmpeg -re).")
    var pacing = "pcr"

    @Option(name: .customLong("send-log"), help: "Write the wall-clock send time of each video PES start (CSV: stream,wall_ns,pts).")
    var sendLog: String?

    @Option(name: .customLong("send-log-streams"), help: "How many streams (from index 0 of this run) the send log covers.")
    var sendLogStreams = 8

    @Flag(name: .long, help: "JSON lines instead of text: one object per second, then the summary.")
    var json = false

    @Flag(name: .long, help: "No per-second lines, only the summary.")
    var quiet = false

    func validate() throws {
        guard streams >= 1 else { throw ValidationError("--streams must be at least 1") }
        guard ramp >= 0 else { throw ValidationError("--ramp must not be negative") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be positive") }
        guard (1...8).contains(senderThreads) else { throw ValidationError("--sender-threads must be 1 to 8") }
        guard (20...60_000).contains(latency) else { throw ValidationError("--latency must be 20 to 60000 ms") }
        guard firstIndex >= 0 else { throw ValidationError("--first-index must not be negative") }
        if data != nil && streamID != nil {
            throw ValidationError("--stream-id and --data exclude each other: with --data the registry names the streams")
        }
        if registryExport != nil && data == nil {
            throw ValidationError("--registry-export needs --data: the export has no keys; the registry does")
        }
        guard TransportStreamClip.Pacing(rawValue: pacing) != nil else {
            throw ValidationError("--pacing must be pcr or burst")
        }
        if let passphrase, !(10...79).contains(passphrase.count) {
            throw ValidationError("--passphrase must be 10 to 79 characters")
        }
    }

    func run() async throws {
        let level: Logger.Level = ProcessInfo.processInfo.environment["FIELDRELAY_LOADGEN_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "fieldrelay.loadgen")
        let endpoint = try Self.parse(url)
        let clip: TransportStreamClip
        do {
            clip = try TransportStreamClip(contentsOf: file, pacing: TransportStreamClip.Pacing(rawValue: pacing) ?? .pcr)
        } catch {
            throw ValidationError("\(error)")
        }
        let targets = try await makeTargets(port: endpoint.port)
        let group: SRTCallerGroup
        do {
            group = try SRTCallerGroup(remoteHost: endpoint.host, logger: logger)
        } catch {
            throw ValidationError(error.message)
        }
        report(String(format: "loadgen: %d streams to %@ from %@ (%d messages, %.3f s per loop, paced by %@), ramp %@",
                      targets.count, url, file, clip.messages.count, clip.loopSeconds, clip.clockSource,
                      ramp > 0 ? String(format: "%.0f/s", ramp) : "all at once"), always: false)
        if clip.unpatchableHeaders > 0 {
            logger.warning("timestamps that straddle a packet boundary cannot be rewritten on later loops",
                           metadata: ["count": "\(clip.unpatchableHeaders)"])
        }

        let counters = LoadCounters()
        let start = LoadSender.now() + 10_000_000
        let settings = LoadSender.Settings(
            start: start, rampInterval: ramp > 0 ? UInt64(1_000_000_000 / ramp) : 0, latencyMilliseconds: latency,
            connectTimeoutMilliseconds: connectTimeout, loggedStreams: sendLog == nil ? 0 : sendLogStreams)
        let senders = (0..<senderThreads).map { thread in
            LoadSender(index: thread, targets: targets.filter { $0.order % senderThreads == thread }, clip: clip, group: group,
                       counters: counters, settings: settings)
        }
        let stop = StopSignal()
        for sender in senders { sender.start() }

        var second = 0
        var lastBytes = 0
        var lastRetransmitted = 0
        var finalStatistics = SRTSendStatistics()
        while true {
            second += 1
            let tickAt = start + UInt64(second) * 1_000_000_000
            while LoadSender.now() < tickAt && !stop.requested {
                try? await Task.sleep(for: .milliseconds(min(100, Int((tickAt - min(tickAt, LoadSender.now())) / 1_000_000) + 1)))
            }
            let statistics = counters.statistics()
            finalStatistics = statistics
            let bytes = counters.bytesSent.load(ordering: .relaxed)
            let tick = LoadgenTick(
                second: second, streams: targets.count, attempted: counters.connectAttempts.load(ordering: .relaxed),
                connected: counters.connected.load(ordering: .relaxed), rejected: counters.rejected.load(ordering: .relaxed),
                broken: counters.broken.load(ordering: .relaxed), mbps: Double(bytes - lastBytes) * 8 / 1_000_000,
                retransmitted: statistics.packetsRetransmitted - lastRetransmitted, retransmittedTotal: statistics.packetsRetransmitted,
                lostTotal: statistics.packetsLost,
                lagMs: Double(counters.maximumLagNanoseconds.exchange(0, ordering: .relaxed)) / 1_000_000)
            lastBytes = bytes
            lastRetransmitted = statistics.packetsRetransmitted
            if !quiet { json ? emit(tick) : report(tick.text, always: true) }
            if stop.requested { break }
            if let duration, Double(second) >= duration { break }
        }

        var log: [LoadSender.SendLogEntry] = []
        for sender in senders { log += sender.stop() }
        finalStatistics = counters.statistics()
        counters.closeAll()
        let elapsed = Double(LoadSender.now() - start) / 1_000_000_000
        func keyed(_ reasons: [SRTConnectFailure: Int]) -> [String: Int] {
            var result: [String: Int] = [:]
            for (failure, count) in reasons {
                let key = failure.code >= 1000 || failure.code < 0 ? "\(failure.code) \(failure.message)" : failure.message
                result[key, default: 0] += count
            }
            return result
        }
        let bytes = counters.bytesSent.load(ordering: .relaxed)
        let summary = LoadgenSummary(
            streams: targets.count, seconds: elapsed, connected: counters.everConnected.load(ordering: .relaxed),
            rejected: counters.rejected.load(ordering: .relaxed), rejections: keyed(counters.rejections),
            broken: counters.broken.load(ordering: .relaxed), breaks: keyed(counters.breaks),
            messagesSent: counters.messagesSent.load(ordering: .relaxed), bytesSent: bytes,
            packetsSent: finalStatistics.packetsSent, packetsSentUnique: finalStatistics.packetsSentUnique,
            packetsLost: finalStatistics.packetsLost, packetsRetransmitted: finalStatistics.packetsRetransmitted,
            packetsDropped: finalStatistics.packetsDropped, sendsDeferred: counters.sendsDeferred.load(ordering: .relaxed),
            averageMbps: elapsed > 0 ? Double(bytes) * 8 / 1_000_000 / elapsed : 0, clipLoopSeconds: clip.loopSeconds)
        json ? emit(summary) : report(summary.text, always: true)
        if let sendLog {
            try write(log, to: sendLog, targets: targets)
        }
    }

    private struct Endpoint {
        var host: String
        var port: Int
    }

    private static func parse(_ url: String) throws -> Endpoint {
        guard let components = URLComponents(string: url), components.scheme == "srt",
              let host = components.host, !host.isEmpty, let port = components.port, (1...65535).contains(port) else {
            throw ValidationError("--url must be srt://HOST:PORT, not '\(url)'")
        }
        return Endpoint(host: host, port: port)
    }

    private func emit(_ value: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    /// Text goes to standard output; with --json, informational lines go to standard error so the
    /// output stays pure JSON lines.
    private func report(_ text: String, always: Bool) {
        let line = Data((text + "\n").utf8)
        if json || (!always && quiet) {
            FileHandle.standardError.write(line)
        } else {
            FileHandle.standardOutput.write(line)
        }
    }

    private func write(_ log: [LoadSender.SendLogEntry], to path: String, targets: [LoadTarget]) throws {
        var labels: [Int: String] = [:]
        for target in targets { labels[target.order] = target.label }
        var text = "stream,path,wall_ns,pts\n"
        for entry in log.sorted(by: { ($0.order, $0.wallNanoseconds) < ($1.order, $1.wallNanoseconds) }) {
            text += "\(entry.order),\(labels[entry.order] ?? ""),\(entry.wallNanoseconds),\(entry.pts)\n"
        }
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw ValidationError("cannot write the send log \(path): \(error.localizedDescription)")
        }
    }
}
