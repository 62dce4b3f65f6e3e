import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// What a playback of one path over a time range serves: the indexed fragments overlapping the
/// range in time order across files, and the gaps between them. A player needs a discontinuity
/// before the first fragment of every file after the first (a new file is a new publisher
/// instance, a codec change or a rotation: a new init section) and after every gap.
///
/// Sizes are checked when the plan is made (one `stat` per file, no bytes read): a fragment whose
/// file is missing or shorter than the fragment's end is left out as a gap, with an error logged.
/// Hashes are checked when the bytes are served (`VerifiedRead`).
public struct PlaybackPlan: Sendable, Equatable {
    public enum Item: Sendable, Equatable {
        case fragment(file: RecordedFile, fragment: RecordedFragment, discontinuity: Bool)
        /// Time in the range with nothing to serve: not recorded, or recorded and left out.
        case gap(from: Date, to: Date)
    }

    public var path: String
    public var range: PlaybackRange
    public var items: [Item]

    public init(path: String, range: PlaybackRange, items: [Item]) {
        self.path = path
        self.range = range
        self.items = items
    }

    /// Consecutive fragments further apart than this are not continuous.
    public static let gapThreshold: TimeInterval = 0.5

    /// The fragments to serve, in order.
    public var fragments: [(file: RecordedFile, fragment: RecordedFragment, discontinuity: Bool)] {
        items.compactMap { item in
            if case .fragment(let file, let fragment, let discontinuity) = item { (file, fragment, discontinuity) } else { nil }
        }
    }

    public var gaps: [(from: Date, to: Date)] {
        items.compactMap { item in if case .gap(let from, let to) = item { (from, to) } else { nil } }
    }

    /// True when there is no fragment to serve.
    public var isEmpty: Bool { !items.contains { if case .fragment = $0 { true } else { false } } }

    /// The plan for `path` over `range` from the index, checking each file's size on disk.
    public static func make(index: any RecordingIndex, directory: URL, path: String, range: PlaybackRange,
                            logger: Logger) throws(RecordingError) -> PlaybackPlan {
        let candidates = try overlapping(index: index, path: path, from: range.from, to: range.to)
        var items: [Item] = []
        var previous: (fileID: Int64, end: Date)?
        // Time of fragments left out (or not recorded) since the last one served.
        var pendingGap: (from: Date, to: Date)?
        // Per file: its size on disk (nil: missing), and how many fragments were left out.
        var sizes: [Int64: Int64?] = [:]
        var leftOut: [Int64: (file: RecordedFile, count: Int, first: Int)] = [:]
        for (file, fragment) in candidates {
            let size: Int64?
            if let known = sizes[file.id] {
                size = known
            } else {
                size = Self.size(of: file, in: directory, logger: logger)
                sizes[file.id] = .some(size)
            }
            guard let size, size >= file.initLength, fragment.offset + fragment.length <= size else {
                if size != nil { leftOut[file.id, default: (file: file, count: 0, first: fragment.sequence)].count += 1 }
                let from = previous.map { min($0.end, fragment.start) } ?? fragment.start
                pendingGap = (pendingGap?.from ?? from, max(pendingGap?.to ?? fragment.end, fragment.end))
                continue
            }
            var discontinuity = false
            if let last = previous {
                let gapStart = pendingGap?.from ?? last.end
                if pendingGap != nil || fragment.start.timeIntervalSince(last.end) > gapThreshold {
                    items.append(.gap(from: gapStart, to: max(gapStart, fragment.start)))
                    discontinuity = true
                }
                if last.fileID != file.id { discontinuity = true }
            } else if let gap = pendingGap {
                // Left-out fragments before the first one served.
                items.append(.gap(from: gap.from, to: max(gap.from, fragment.start)))
            }
            pendingGap = nil
            items.append(.fragment(file: file, fragment: fragment, discontinuity: discontinuity))
            previous = (file.id, fragment.end)
        }
        if let gap = pendingGap { items.append(.gap(from: gap.from, to: gap.to)) }
        for (file, count, first) in leftOut.values.sorted(by: { $0.file.id < $1.file.id }) {
            logger.error("playback: \(file.name) is \(sizes[file.id]!.map { String($0) } ?? "?") bytes, shorter than its index says (from fragment \(first) on): \(count) fragment(s) left out as a gap")
        }
        return PlaybackPlan(path: path, range: range, items: items)
    }

    /// The indexed fragments of `path` overlapping [from, to] (all when nil), in time order: files
    /// by start, then each file's fragments by sequence.
    static func overlapping(index: any RecordingIndex, path: String, from: Date?, to: Date?) throws(RecordingError) -> [(RecordedFile, RecordedFragment)] {
        do {
            let files = try index.files(path: path, from: from, to: to).sorted { lhs, rhs in
                let left = lhs.start ?? lhs.createdAt, right = rhs.start ?? rhs.createdAt
                return left != right ? left < right : lhs.id < rhs.id
            }
            var result: [(RecordedFile, RecordedFragment)] = []
            for file in files {
                for fragment in try index.fragments(fileID: file.id).sorted(by: { $0.sequence < $1.sequence }) {
                    if let from, fragment.end <= from { continue }
                    if let to, fragment.start >= to { continue }
                    result.append((file, fragment))
                }
            }
            return result
        } catch let error as RecordingError {
            throw error
        } catch {
            throw RecordingError(.storage, "recording index: \(error)")
        }
    }

    /// The file's size on disk, nil (and an error logged) when it cannot be found.
    static func size(of file: RecordedFile, in directory: URL, logger: Logger) -> Int64? {
        let fullPath = directory.appendingPathComponent(file.name).path
        var info = stat()
        guard stat(fullPath, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            logger.error("playback: \(file.name) (\(file.fragmentCount) fragments indexed) cannot be read: \(reason); left out as a gap")
            return nil
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            logger.error("playback: \(file.name) is not a regular file; left out as a gap")
            return nil
        }
        return Int64(info.st_size)
    }
}

/// What `GET /api/v1/recordings?path=&from=&to=` lists for a path: its continuous recorded spans
/// (fragments no further apart than `PlaybackPlan.gapThreshold`, across files: a rotation or a new
/// publisher that follows on at once does not break a span) and the gaps between them. Read from
/// the index only; what is on disk is checked when a span is played (`PlaybackPlan.make`) or
/// verified. JSON with RFC 3339 times whatever the encoder's date strategy.
public struct RecordedSpans: Sendable, Equatable, Codable {
    public struct Span: Sendable, Equatable, Codable {
        public var path: String
        public var from: Date
        public var to: Date
        /// The files holding the span, in order (names relative to the recording directory).
        public var files: [String]
        public var fragments: Int

        public init(path: String, from: Date, to: Date, files: [String], fragments: Int) {
            self.path = path
            self.from = from
            self.to = to
            self.files = files
            self.fragments = fragments
        }

        enum CodingKeys: String, CodingKey { case path, from, to, files, fragments }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            path = try container.decode(String.self, forKey: .path)
            from = try RecordedSpans.decodeTime(container, .from)
            to = try RecordedSpans.decodeTime(container, .to)
            files = try container.decode([String].self, forKey: .files)
            fragments = try container.decode(Int.self, forKey: .fragments)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .path)
            try container.encode(RecordingTime.format(from), forKey: .from)
            try container.encode(RecordingTime.format(to), forKey: .to)
            try container.encode(files, forKey: .files)
            try container.encode(fragments, forKey: .fragments)
        }
    }

    /// Time between two spans of one path. `path` names it, so a listing of several feeds (an
    /// incident's) says whose gap it is; a listing written before gaps carried it decodes with nil.
    public struct Gap: Sendable, Equatable, Codable {
        public var path: String?
        public var from: Date
        public var to: Date

        public init(path: String? = nil, from: Date, to: Date) {
            self.path = path
            self.from = from
            self.to = to
        }

        enum CodingKeys: String, CodingKey { case path, from, to }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            path = try container.decodeIfPresent(String.self, forKey: .path)
            from = try RecordedSpans.decodeTime(container, .from)
            to = try RecordedSpans.decodeTime(container, .to)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(path, forKey: .path)
            try container.encode(RecordingTime.format(from), forKey: .from)
            try container.encode(RecordingTime.format(to), forKey: .to)
        }
    }

    public var spans: [Span]
    public var gaps: [Gap]

    public init(spans: [Span], gaps: [Gap]) {
        self.spans = spans
        self.gaps = gaps
    }

    static func decodeTime<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> Date {
        let text = try container.decode(String.self, forKey: key)
        guard let date = RecordingTime.parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not an RFC 3339 time: \(text)")
        }
        return date
    }
}

extension PlaybackPlan {
    /// The recorded spans of `path` whose fragments overlap [from, to] (all when nil), with their
    /// own start and end (not cut to the range), and the gaps between consecutive spans (each
    /// naming `path`).
    public static func spans(index: any RecordingIndex, path: String, from: Date?, to: Date?) throws(RecordingError) -> RecordedSpans {
        var spans: [RecordedSpans.Span] = []
        var gaps: [RecordedSpans.Gap] = []
        for (file, fragment) in try overlapping(index: index, path: path, from: from, to: to) {
            if var span = spans.last, fragment.start.timeIntervalSince(span.to) <= gapThreshold {
                span.to = max(span.to, fragment.end)
                if span.files.last != file.name { span.files.append(file.name) }
                span.fragments += 1
                spans[spans.count - 1] = span
            } else {
                if let last = spans.last { gaps.append(RecordedSpans.Gap(path: path, from: last.to, to: fragment.start)) }
                spans.append(RecordedSpans.Span(path: path, from: fragment.start, to: fragment.end, files: [file.name], fragments: 1))
            }
        }
        return RecordedSpans(spans: spans, gaps: gaps)
    }
}
