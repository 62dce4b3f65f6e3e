import Evidence
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Serves a byte range of a recording file (`GET /playback/…/<file>` with `Range:`) only after the
/// bytes have been checked against the index: every fragment the range touches is read whole and
/// its SHA-256 compared with the index, the init section likewise with `initHash`. Bytes that fail
/// are never returned. Only indexed bytes are served: the init section and the indexed fragments,
/// so a file still being written (bytes past its last index entry) is served up to its indexed end,
/// and `total` (the `Content-Range` length) is that end, not the file's size.
public enum VerifiedRead {
    /// The most one response carries: a longer range (or the whole file) is answered with its
    /// first 64 MiB as a partial response (206, `Content-Range: bytes a-b/total` from the returned
    /// range); a client asks again from where it stopped, as players and `curl -C -` do.
    public static let maxResponseBytes: Int64 = 64 * 1_048_576

    /// A `Range:` header (RFC 9110 §14.2), one range of bytes.
    public enum RangeResult: Sendable, Equatable {
        /// No range asked (an empty header): the whole file, 200.
        case full
        /// The bytes to serve (206), already clipped to the end.
        case partial(ClosedRange<Int64>)
        /// Well-formed but outside the file: 416 with `Content-Range: bytes */total`.
        case unsatisfiable
        /// Malformed, another unit, or several ranges: RFC 9110 lets a server ignore such a
        /// header and answer 200 with the whole file; the HTTP layer may refuse it instead.
        case invalid
    }

    /// Parses `bytes=a-b`, `bytes=a-` and `bytes=-n` against a resource of `total` bytes.
    public static func parseRange(_ header: String, total: Int64) -> RangeResult {
        let text = header.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return .full }
        guard let equals = text.firstIndex(of: "="),
              text[..<equals].trimmingCharacters(in: .whitespaces).lowercased() == "bytes" else { return .invalid }
        let spec = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .invalid }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            // A suffix: the last n bytes.
            guard let count = number(last) else { return .invalid }
            guard count > 0, total > 0 else { return .unsatisfiable }
            return .partial(max(0, total - count)...(total - 1))
        }
        guard let start = number(first) else { return .invalid }
        if last.isEmpty {
            return start < total ? .partial(start...(total - 1)) : .unsatisfiable
        }
        guard let end = number(last) else { return .invalid }
        guard end >= start else { return .invalid }
        return start < total ? .partial(start...min(end, total - 1)) : .unsatisfiable
    }

    /// Digits only; a value past Int64 saturates (it is past any file's end anyway).
    static func number(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int64(text) ?? Int64.max
    }

    /// The indexed end of a file: its init section and its fragments, while they follow on from
    /// one another (a hole in the index ends what can be served).
    public static func indexedLength(file: RecordedFile, fragments: [RecordedFragment]) -> Int64 {
        var end = file.initLength
        for fragment in fragments.sorted(by: { $0.offset < $1.offset }) {
            guard fragment.offset == end else { break }
            end += fragment.length
        }
        return end
    }

    /// The verified bytes of `range` (the whole file when nil) of `file`, with the range actually
    /// served (clipped to the indexed end and to `limit`) and the indexed total.
    /// - Throws: `.invalidRequest` (field "range") when the range starts past the indexed end;
    ///   `.integrity` when the file is missing or shorter than its index, or when a fragment or
    ///   the init section the range touches does not match its hash (`<file> fragment N altered`).
    public static func read(directory: URL, file: RecordedFile, fragments: [RecordedFragment], range: ClosedRange<Int64>?,
                            limit: Int64 = maxResponseBytes) throws(RecordingError) -> (bytes: [UInt8], range: ClosedRange<Int64>, total: Int64) {
        let total = indexedLength(file: file, fragments: fragments)
        guard total > 0 else { throw RecordingError(.integrity, "\(file.name) has no indexed bytes") }
        let asked = range ?? 0...(total - 1)
        guard asked.lowerBound >= 0, asked.lowerBound < total else {
            throw RecordingError(.invalidRequest, "bytes \(asked.lowerBound)-\(asked.upperBound) are past the end of \(file.name) (\(total) bytes)", field: "range")
        }
        let served = asked.lowerBound...min(asked.upperBound, total - 1, asked.lowerBound + max(1, limit) - 1)

        // The sections the range touches: the init section, then whole fragments.
        var sections: [(offset: Int64, length: Int64, hash: Data, name: String)] = []
        if served.lowerBound < file.initLength {
            sections.append((0, file.initLength, file.initHash, "init section"))
        }
        for fragment in fragments.sorted(by: { $0.offset < $1.offset }) {
            let end = fragment.offset + fragment.length
            guard end <= total else { break }
            if end > served.lowerBound && fragment.offset <= served.upperBound {
                sections.append((fragment.offset, fragment.length, fragment.hash, "fragment \(fragment.sequence)"))
            }
        }

        let fullPath = directory.appendingPathComponent(file.name).path
        let fd = open(fullPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw RecordingError(.integrity, "\(file.name) cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(served.upperBound - served.lowerBound + 1))
        for section in sections {
            let content = try readExactly(fd, offset: section.offset, length: section.length, file: file, what: section.name)
            guard FragmentChain.hash(content) == section.hash else {
                throw RecordingError(.integrity, "\(file.name) \(section.name) altered")
            }
            let from = max(served.lowerBound, section.offset) - section.offset
            let to = min(served.upperBound + 1, section.offset + section.length) - section.offset
            bytes.append(contentsOf: content[Int(from)..<Int(to)])
        }
        return (bytes, served, total)
    }

    static func readExactly(_ fd: Int32, offset: Int64, length: Int64, file: RecordedFile, what: String) throws(RecordingError) -> [UInt8] {
        guard length >= 0, length <= Int64(Int32.max) else {
            throw RecordingError(.integrity, "\(file.name) \(what) has an impossible length \(length) in the index")
        }
        var buffer = [UInt8](repeating: 0, count: Int(length))
        var done = 0
        while done < buffer.count {
            let result = buffer.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + done, raw.count - done, off_t(offset) + off_t(done))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw RecordingError(.integrity, "\(file.name) \(what) cannot be read: \(String(cString: strerror(errno)))")
            }
            if result == 0 {
                throw RecordingError(.integrity, "\(file.name) is shorter than its index: \(what) ends at \(offset + length)")
            }
            done += result
        }
        return buffer
    }
}
