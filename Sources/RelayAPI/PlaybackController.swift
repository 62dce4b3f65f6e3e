import Foundation
import HTTPTypes
import Hummingbird
import JointReporting
import Logging
import MediaRemux
import NIOCore
import PathRules
import Recording

/// Playback of recordings (issue 13 §5):
/// - `GET /playback/<kind>/<id>/index.m3u8?from=T&to=T`: an HLS VOD playlist of byte ranges into
///   the files (sizes checked when it is made);
/// - `GET /playback/file/<id>.mp4`: the bytes, `Range` answered with 206/416, every fragment's
///   hash checked when it is served (an altered one is refused, never served);
/// - `GET /playback/get?path=&from=&duration=`: fMP4 of a range for tools;
/// - `GET /api/v1/recordings?path=&incident=&session=&from=&to=`: recorded spans and gaps.
/// Access as live, plus a session's participants for the times they could see its feeds live
/// (`PlaybackAccess`). An organisation's first playback of a file goes on the record.
struct PlaybackController: Sendable {
    typealias Context = RelayRequestContext

    let recording: RecordingContext
    let reporting: ReportingContext
    let logger = Logger(label: "fieldrelay.playback")
    /// `/playback/get` builds its answer in memory; longer ranges are for the playlist (or exports).
    static let maximumGetBytes: Int64 = 256 * 1_048_576
    var access: PlaybackAccess { PlaybackAccess(reporting: reporting) }

    func addRoutes(to router: Router<Context>) {
        router.get("/playback/{kind}/{id}/index.m3u8") { request, context in
            let manager = try recording.requireManager()
            let path = try RecordingController.path("\(try context.parameters.require("kind"))/\(try context.parameters.require("id"))")
            let caller = try await caller(request, context, path: path)
            let now = manager.writer.now()
            let scope = try await access.scope(caller, path: path, index: manager.index, now: now)
            let range = try Self.mapped {
                try PlaybackRange.parse(from: request.uri.queryParameters.get("from"), to: request.uri.queryParameters.get("to"),
                                        now: now, maxMinutes: manager.configuration.maxPlaybackMinutes)
            }
            let directory = manager.writer.directory
            let logger = logger
            var plan = try await RecordingController.offLoop {
                try PlaybackPlan.make(index: manager.index, directory: directory, path: path.description, range: range, logger: logger)
            }
            plan = Self.restrict(plan, to: scope)
            let token = caller.map { reporting.viewerTokens.issue(for: $0.viewer) }
            let text = try Self.mapped {
                try VODPlaylist.render(plan) { file in "/playback/file/\(file.id).mp4" + (token.map { "?token=\($0)" } ?? "") }
            }
            if case .organisation(let org)? = caller { await notePlayback(org: org, plan: plan, manager: manager) }
            var headers = HTTPFields()
            headers[.contentType] = "application/vnd.apple.mpegurl"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }

        router.get("/playback/file/{file}") { request, context in
            let manager = try recording.requireManager()
            let name = try context.parameters.require("file")
            guard name.hasSuffix(".mp4"), let id = Int64(name.dropLast(4)) else { throw APIError(.notFound, "no recording file \(name)") }
            guard let file = try await RecordingController.offLoop({ try manager.index.file(id: id) }) else {
                throw APIError(.notFound, "no recording file \(name)")
            }
            let path = try RecordingController.path(file.path)
            let caller = try await caller(request, context, path: path)
            let scope = try await access.scope(caller, path: path, index: manager.index, now: manager.writer.now())
            let fragments = try await RecordingController.offLoop { try manager.index.fragments(fileID: id) }
            let total = VerifiedRead.indexedLength(file: file, fragments: fragments)
            var range: ClosedRange<Int64>?
            if let header = request.headers[.range] {
                switch VerifiedRead.parseRange(header, total: total) {
                case .full, .invalid: range = nil
                case .partial(let asked): range = asked
                case .unsatisfiable:
                    var headers = HTTPFields()
                    headers[.contentRange] = "bytes */\(total)"
                    throw APIError(.rangeNotSatisfiable, "the range is outside the \(total) bytes recorded", headers: headers)
                }
            }
            // A restricted caller is served the init section and the fragments of its times only.
            if case .spans = scope {
                let wanted = range ?? 0...(total - 1)
                let allowed = wanted.upperBound < file.initLength || fragments.allSatisfy { fragment in
                    let bytes = fragment.offset...(fragment.offset + fragment.length - 1)
                    return !bytes.overlaps(wanted) || scope.allows(fragment.start, fragment.end)
                }
                guard allowed else { throw APIError(.forbidden, "this part of the recording is outside the times the caller could see live") }
            }
            let directory = manager.writer.directory
            let asked = range
            let (bytes, served, length): ([UInt8], ClosedRange<Int64>, Int64)
            do {
                (bytes, served, length) = try await RecordingController.offLoop {
                    try VerifiedRead.read(directory: directory, file: file, fragments: fragments, range: asked)
                }
            } catch let error as APIError where error.code == "integrity" {
                // Never served: the player sees an error for this range (a gap), the operator a log line.
                logger.error("playback refused altered bytes", metadata: ["file": "\(file.name)", "why": "\(error.message)"])
                throw error
            }
            var headers = HTTPFields()
            headers[.contentType] = "video/mp4"
            headers[.acceptRanges] = "bytes"
            headers[.cacheControl] = "private, max-age=3600"
            let partial = range != nil || served.count < length
            if partial { headers[.contentRange] = "bytes \(served.lowerBound)-\(served.upperBound)/\(length)" }
            return Response(status: partial ? .partialContent : .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }

        router.get("/playback/get") { request, context in
            let manager = try recording.requireManager()
            let path = try RecordingController.path(request.uri.queryParameters.get("path") ?? "")
            let format = request.uri.queryParameters.get("format") ?? "fmp4"
            guard format == "fmp4" || format == "mp4" else {
                throw APIError(.badRequest, "format: fmp4 or mp4", code: "invalid_format")
            }
            let caller = try await caller(request, context, path: path)
            let now = manager.writer.now()
            let scope = try await access.scope(caller, path: path, index: manager.index, now: now)
            let range = try Self.mapped {
                try PlaybackRange.parse(from: request.uri.queryParameters.get("from"), duration: request.uri.queryParameters.get("duration"),
                                        now: now, maxMinutes: manager.configuration.maxPlaybackMinutes)
            }
            let directory = manager.writer.directory
            let logger = logger
            let plan = Self.restrict(try await RecordingController.offLoop {
                try PlaybackPlan.make(index: manager.index, directory: directory, path: path.description, range: range, logger: logger)
            }, to: scope)
            // One fMP4 stream is one init section: the fragments of the first file in the range; a
            // header says where the rest (another publisher, codec or file) begins.
            let fragments = plan.fragments
            guard let first = fragments.first else {
                throw APIError(.notFound, "nothing recorded for \(path) between \(RecordingTime.format(range.from)) and \(RecordingTime.format(range.to))")
            }
            let same = fragments.prefix { $0.file.id == first.file.id && ($0.fragment.sequence == first.fragment.sequence || !$0.discontinuity) }
            let size = same.reduce(first.file.initLength) { $0 + $1.fragment.length }
            guard size <= Self.maximumGetBytes else {
                throw APIError(.contentTooLarge, "\(size / 1_048_576) MiB is more than one response carries (\(Self.maximumGetBytes / 1_048_576) MiB): ask for a shorter duration, or play the HLS playlist",
                               code: "too_large")
            }
            // Plain locals for the closures below: capturing a labelled tuple's element in them
            // crashed the debug build (a bad retain in the listing route; see there).
            let firstFile = first.file
            let allFragments = try await RecordingController.offLoop { try manager.index.fragments(fileID: firstFile.id) }
            var body: [UInt8] = []
            let initRange: ClosedRange<Int64> = 0...(first.file.initLength - 1)
            body += try await RecordingController.offLoop {
                try VerifiedRead.read(directory: directory, file: firstFile, fragments: allFragments, range: initRange).bytes
            }
            let lower = same.first!.fragment.offset
            let upper = same.last!.fragment.offset + same.last!.fragment.length - 1
            var offset = lower
            while offset <= upper {
                let start = offset
                let part = try await RecordingController.offLoop {
                    try VerifiedRead.read(directory: directory, file: firstFile, fragments: allFragments, range: start...upper)
                }
                body += part.bytes
                offset = part.range.upperBound + 1
            }
            if format == "mp4" {
                // The same verified bytes, remuxed by libavformat into a plain MP4 (faststart): what
                // tools without fragmented-MP4 support open.
                let fragmented = body
                body = try await RecordingController.offLoop { try Self.remuxToMP4(fragmented) }
            }
            if format == "mp4" {
                // The same verified bytes, remuxed by libavformat into a plain MP4 (faststart): what
                // tools without fragmented-MP4 support open.
                let fragmented = body
                body = try await RecordingController.offLoop { try Self.remuxToMP4(fragmented) }
            }
            if case .organisation(let org)? = caller { await notePlayback(org: org, plan: plan, manager: manager) }
            var headers = HTTPFields()
            headers[.contentType] = "video/mp4"
            headers[.contentDisposition] = "attachment; filename=\"\(path.kind.rawValue)-\(path.id)-\(RecordingLayout.timestamp(same.first!.fragment.start)).mp4\""
            if same.count < fragments.count, let next = fragments.dropFirst(same.count).first {
                headers[HTTPField.Name("X-Recording-Continues")!] = RecordingTime.format(next.fragment.start)
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }

        router.get("/api/v1/recordings") { request, context in
            let manager = try recording.requireManager()
            let query = request.uri.queryParameters
            let caller = try await reporting.caller(request, context, readOnly: true)
            let from = try query.get("from").map { text throws -> Date in
                guard let date = RecordingTime.parse(text) else { throw APIError(.badRequest, "from: not an RFC 3339 time", code: "invalid_from") }
                return date
            }
            let to = try query.get("to").map { text throws -> Date in
                guard let date = RecordingTime.parse(text) else { throw APIError(.badRequest, "to: not an RFC 3339 time", code: "invalid_to") }
                return date
            }
            // Which paths and times: a path, or the attach spans of an incident's or a session's feeds.
            var wanted: [(path: String, from: Date?, to: Date?)] = []
            if let path = query.get("path") {
                wanted.append((try RecordingController.path(path).description, from, to))
            }
            let incident = query.get("incident"), session = query.get("session")
            if incident != nil || session != nil {
                if let incident { _ = try await domain { () async throws(ReportingError) in try await reporting.coordinator.incident(id: incident, as: caller.viewer) } }
                if let session { _ = try await domain { () async throws(ReportingError) in try await reporting.coordinator.session(id: session, as: caller.viewer) } }
                let links = try await RecordingController.offLoop { try manager.index.links(path: nil, incidentID: incident, sessionID: session) }
                for link in links where wanted.isEmpty || wanted.contains(where: { $0.path == link.path }) {
                    wanted.append((link.path, max(link.from, from ?? link.from), min(link.to ?? .distantFuture, to ?? .distantFuture)))
                }
            }
            guard !wanted.isEmpty else { throw APIError(.badRequest, "path, incident or session: one is needed", code: "invalid_path") }
            var spans: [RecordedSpans.Span] = []
            var gaps: [RecordedSpans.Gap] = []
            let index = manager.index
            for item in wanted {
                let media = try RecordingController.path(item.path)
                let scope = try await access.scope(caller, path: media, index: index, now: manager.writer.now())
                // Plain locals: capturing the tuple `item` in this closure crashed the debug build
                // with a bad retain (Swift 6.3.1; reproducible, gone with locals).
                let path = item.path
                let from = item.from
                let to: Date? = item.to == .distantFuture ? nil : item.to
                let found = try await RecordingController.offLoop {
                    try PlaybackPlan.spans(index: index, path: path, from: from, to: to)
                }
                spans += found.spans.filter { scope.allows($0.from, $0.to) }
                gaps += found.gaps
            }
            return try RelayRouter.jsonResponse(RecordedSpans(spans: spans, gaps: gaps))
        }
    }

    func domain<Value>(_ body: () async throws(ReportingError) -> Value) async throws -> Value {
        do { return try await body() } catch { throw error.apiError }
    }

    /// The caller of a media request (nil for `lab/*`, which is open as live).
    func caller(_ request: Request, _ context: Context, path: MediaPath) async throws -> Caller? {
        if path.kind == .lab { return try? await reporting.caller(request, context, readOnly: true) }
        return try await reporting.caller(request, context, readOnly: true)
    }

    /// fMP4 bytes to a plain MP4 through temporary files (libavformat reads and writes files).
    static func remuxToMP4(_ fragmented: [UInt8]) throws -> [UInt8] {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("fieldrelay-get-\(UUID().uuidString)").path
        let input = base + ".fmp4", output = base + ".mp4"
        defer {
            try? FileManager.default.removeItem(atPath: input)
            try? FileManager.default.removeItem(atPath: output)
        }
        try Data(fragmented).write(to: URL(fileURLWithPath: input))
        do {
            _ = try MP4Remux.remux(input: input, output: output)
        } catch {
            throw APIError(.internalServerError, "the MP4 could not be made: \(error)", code: "remux_failed")
        }
        return Array(try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    /// Leaves out what a restricted caller could not see live (a gap, with a discontinuity after).
    static func restrict(_ plan: PlaybackPlan, to scope: PlaybackScope) -> PlaybackPlan {
        guard case .spans = scope else { return plan }
        var items: [PlaybackPlan.Item] = []
        var cut = false
        for item in plan.items {
            switch item {
            case .fragment(let file, let fragment, let discontinuity):
                if scope.allows(fragment.start, fragment.end) {
                    items.append(.fragment(file: file, fragment: fragment, discontinuity: discontinuity || cut))
                    cut = false
                } else {
                    if !cut { items.append(.gap(from: fragment.start, to: fragment.end)) }
                    cut = true
                }
            case .gap:
                items.append(item)
            }
        }
        return PlaybackPlan(path: plan.path, range: plan.range, items: items)
    }

    /// The first playback of each file by an organisation goes on the joint-reporting record.
    func notePlayback(org: String, plan: PlaybackPlan, manager: RecordingManager) async {
        var files: [String: (from: Date, to: Date)] = [:]
        for (file, fragment, _) in plan.fragments {
            let current = files[file.name]
            files[file.name] = (min(current?.from ?? fragment.start, fragment.start), max(current?.to ?? fragment.end, fragment.end))
        }
        for (name, span) in files {
            let file = name
            guard (try? await RecordingController.offLoop({ try manager.index.notePlayback(org: org, file: file, at: manager.writer.now()) })) == true else {
                continue
            }
            _ = try? await reporting.coordinator.recordExternal(.recordingPlayed, actor: org, detail: [
                "path": .string(plan.path), "file": .string(name),
                "from": .string(RecordingTime.format(span.from)), "to": .string(RecordingTime.format(span.to)),
            ])
        }
    }

    static func mapped<Value>(_ body: () throws -> Value) throws -> Value {
        do { return try body() } catch let error as RecordingError { throw error.apiError }
    }
}
