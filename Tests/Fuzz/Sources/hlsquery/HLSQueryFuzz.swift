// libFuzzer target: HLS requests as HLSController serves them, against real packagers.
// The input is a request target, `/hls/<kind>/<id>/<file>?<query>`: its path components go through
// HLSRequest (path name rules, playlist / segment / part / init file kinds), the query through
// LowLatencyQuery (_HLS_msn, _HLS_part, _HLS_skip) and HLSRequest.tokenSuffix (?token=), and the
// results to the real lookups: a ClassicHLSPackager and a LowLatencyHLSPackager fed once, at start,
// with an ffmpeg-made H.264+AAC clip through the real intake (one live path, one ended), so parsed
// but impossible combinations (a part beyond the segment, a sequence far ahead, a foreign instance)
// reach playlist rendering (the multivariant playlist's too), resource lookup and the blocking-reload
// wait.
// An `@` in the input stands for the path's instance (which changes every run), so the corpus
// can name real segments and parts. The clip is $FUZZ_HLS_CLIP (made by scripts/faults/fuzz.sh).
// Built by scripts/faults/fuzz.sh (Tests/Fuzz/Package.swift) against MediaTypes, MediaRemux,
// StreamHub, HLSPackager and RelayRequests (HLSRequest, LowLatencyQuery).

import Dispatch
import Foundation
import HLSPackager
import Logging
import MediaRemux
import MediaTypes
import RelayRequests
import StreamHub
import Synchronization

private let quiet = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })

final class Fixture: Sendable {
    let paths: PathManager
    let packagers: HLSPackagers
    let sessions: [PublisherSession]

    init() {
        let clipPath = ProcessInfo.processInfo.environment["FUZZ_HLS_CLIP"] ?? ".build-fuzz/hls-clip.ts"
        guard let clip = FileManager.default.contents(atPath: clipPath) else { fatalError("no clip at \(clipPath)") }
        paths = PathManager(configuration: .init(), logger: quiet) { _ in [] }
        packagers = HLSPackagers(classic: HLSConfiguration(segmentTargetSeconds: 1),
                                 lowLatency: LowLatencyConfiguration(segmentTargetSeconds: 1, partTargetSeconds: 0.2),
                                 idleTimeout: .seconds(3600), logger: quiet)
        var sessions: [PublisherSession] = []
        for name in ["lab/live", "lab/ended"] {
            let session = try! paths.attachPublisher(try! PathName(name), identity: PublisherIdentity(source: name, connection: "fuzz") { _ in })
            let reader = TransportStreamReader(logger: quiet)
            [UInt8](clip).withUnsafeBytes { bytes in
                try! reader.feed(bytes, arrival: MonotonicClock.now()) { event in
                    switch event {
                    case .tracks(let tracks): session.publish(tracks: tracks)
                    case .accessUnit(let unit): session.publish(unit)
                    }
                }
            }
            let path = paths.path(try! PathName(name))!
            precondition(packagers.lowLatency(for: path).playlist() != nil, "the clip made no Low-Latency playlist")
            precondition(packagers.classic(for: path).playlist() != nil, "the clip made no classic playlist")
            if name == "lab/ended" { session.end() } else { sessions.append(session) }
        }
        self.sessions = sessions
    }
}

private let fixture = Fixture()

/// The query as Hummingbird's `queryParameters` gives it: `&`-separated, first value wins, decoded.
func queryParameters(_ query: Substring) -> [String: String] {
    var parameters: [String: String] = [:]
    for pair in query.split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let key = String(parts[0]).removingPercentEncoding ?? String(parts[0])
        let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
        if parameters[key] == nil { parameters[key] = value }
    }
    return parameters
}

/// Runs an async wait to its end from the fuzzer's synchronous entry point.
func blocking(_ body: @escaping @Sendable () async -> Bool) -> Bool {
    let done = DispatchSemaphore(value: 0)
    let result = Mutex(false)
    Task {
        let value = await body()
        result.withLock { $0 = value }
        done.signal()
    }
    done.wait()
    return result.withLock { $0 }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let raw = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let (target, query) = raw.firstIndex(of: "?").map { (raw[..<$0], raw[raw.index(after: $0)...]) } ?? (raw[...], "")
    var components = target.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    if components.first == "" { components.removeFirst() }
    if components.first == "hls" { components.removeFirst() }

    // Where the path names a live path, `@` is its instance.
    let request: HLSRequest
    do {
        let probe = try HLSRequest(components: components)
        let instance = fixture.paths.path(probe.path)?.instance ?? "x"
        request = try HLSRequest(components: components.map { $0.replacingOccurrences(of: "@", with: instance) })
    } catch {
        precondition(!error.message.isEmpty)
        return 0
    }
    let parameters = queryParameters(query)
    let suffix = HLSRequest.tokenSuffix(parameters["token"])
    precondition(!suffix.contains("&") && !suffix.contains("\"") && !suffix.contains("\n"), "token suffix breaks a URI")
    guard let path = fixture.paths.path(request.path) else { return 0 }

    switch request.file {
    case .multivariantPlaylist:
        // As the controller (Low-Latency by default): one variant naming index.m3u8 with the token.
        guard let playlist = fixture.packagers.lowLatency(for: path).multivariant() else { return 0 }
        let text = playlist.render(uriSuffix: suffix)
        precondition(text.hasPrefix("#EXTM3U\n") && text.hasSuffix("\nindex.m3u8\(suffix)\n"))
        let codecs = playlist.codecs ?? []
        precondition(codecs.count == 2 && codecs[0].hasPrefix("avc1.") && codecs[1] == "mp4a.40.2", "codecs of the fuzz clip: \(codecs)")
        _ = fixture.packagers.classic(for: path).multivariant()?.render(uriSuffix: suffix)
    case .classicPlaylist:
        _ = fixture.packagers.classic(for: path).playlist()?.render(uriSuffix: suffix)
    case .defaultPlaylist, .lowLatencyPlaylist:
        let directives: LowLatencyQuery
        do {
            directives = try LowLatencyQuery { parameters[$0] }
        } catch {
            return 0
        }
        let packager = fixture.packagers.lowLatency(for: path)
        guard packager.unusableReason == nil, let playlist = packager.playlist() else { return 0 }
        if let sequence = directives.sequence {
            // As the controller: refused when too far ahead, else held (here for no time at all).
            guard sequence <= playlist.lastSequence + 2 else { return 0 }
            let part = directives.part
            let reached = blocking { await packager.waitFor(sequence: sequence, part: part, timeout: .zero) }
            if sequence <= playlist.lastSequence - 1 { precondition(reached, "a complete segment was not reached") }
        }
        let text = playlist.render(skip: directives.skip, uriSuffix: suffix)
        precondition(text.hasPrefix("#EXTM3U\n"))
    case .classicSegment(let file):
        if let segment = path.reader(of: ClassicHLSPackager.self)?.segment(named: file) {
            precondition(segment.name == file && !segment.data.isEmpty)
        }
    case .lowLatencyResource(let file):
        guard let packager = path.reader(of: LowLatencyHLSPackager.self), let resource = packager.resource(named: file) else { return 0 }
        _ = packager.data(for: resource)
        if case .part(let sequence, let index) = resource, let playlist = packager.playlist(), sequence <= playlist.lastSequence + 1 {
            _ = blocking { await packager.waitFor(sequence: sequence, part: index, timeout: .zero) }
        }
    }
    return 0
}
