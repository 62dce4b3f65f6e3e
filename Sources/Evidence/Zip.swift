import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// ZIP packages for evidence export (issue 14), per PKWARE's APPNOTE.TXT 6.3.x. Only what a package
// of recordings needs: stored entries (method 0: video does not compress), UTF-8 names, ZIP64 when
// sizes or offsets pass 32 bits (a 2-hour range at 4 Mbps is 3.6 GB), no data descriptors (sizes
// are known before each entry is written), one disk.

/// What `ZipWriter.add` wrote: the entry's size, CRC-32 and SHA-256, computed from the bytes as they
/// were written, so a manifest needs no second read of the package.
public struct ZipEntrySummary: Sendable, Equatable {
    public let name: String
    public let size: Int64
    public let crc32: UInt32
    /// The SHA-256 of the entry's bytes (32 bytes).
    public let sha256: Data
}

/// An entry of a package read by `ZipReader`.
public struct ZipEntry: Sendable, Equatable {
    public let name: String
    public let size: Int64
    public let crc32: UInt32
    /// Where the entry's bytes start in the file: after its local header, whose name and extra
    /// field lengths may differ from the central directory's (APPNOTE 4.3.7 vs 4.3.12).
    public let dataOffset: Int64
}

/// Writes a ZIP file of stored entries. Not Sendable: one export job writes a package from one thread.
public final class ZipWriter {
    public enum Zip64: Sendable {
        /// ZIP64 records only where a size, offset or count needs more than the classic fields hold.
        case automatic
        /// ZIP64 extra fields on every entry and the ZIP64 end records, whatever the sizes: lets the
        /// tests exercise the ZIP64 paths without writing 4 GiB.
        case always
    }

    public let path: String
    /// Bytes written to the file so far (for progress). Settable inside the module only for the
    /// tests, to start entries past 4 GiB over a sparse hole: ZIP64 offsets without writing 4 GiB.
    public internal(set) var bytesWritten: Int64 = 0

    private let zip64: Zip64
    private let dosTime: UInt16
    private let dosDate: UInt16
    private var descriptor: Int32
    private var records: [CentralRecord] = []
    private var names: Set<String> = []
    private var state = State.open
    /// Set when a failed write could not be undone: the file no longer matches `records`.
    private var broken: EvidenceError?

    private enum State { case open, finished, aborted }

    private struct CentralRecord {
        var name: [UInt8]
        var size: Int64
        var crc32: UInt32
        var headerOffset: Int64
        var version: UInt16
    }

    /// Creates `path` (it must not exist: O_EXCL, mode 0644). `modified` is every entry's DOS date
    /// and time, in UTC: one fixed stamp, so a package's bytes do not depend on the writer's clock
    /// or time zone beyond it.
    public init(path: String, zip64: Zip64 = .automatic, modified: Date = Date()) throws(EvidenceError) {
        self.path = path
        self.zip64 = zip64
        (dosDate, dosTime) = Self.dosDateTime(modified)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw EvidenceError("\(path): cannot create the package: \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
    }

    deinit {
        if state == .open { abort() }
    }

    /// Adds `data` as a stored entry.
    @discardableResult
    public func add(name: String, data: Data) throws(EvidenceError) -> ZipEntrySummary {
        try admit(name)
        return try addEntry(name: name, size: Int64(data.count)) { sink throws(EvidenceError) in
            var failure: EvidenceError?
            data.withUnsafeBytes { bytes in
                var start = 0
                while start < bytes.count, failure == nil {
                    let end = min(bytes.count, start + ZipFormat.chunk)
                    do throws(EvidenceError) {
                        try self.write(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), to: &sink)
                    } catch {
                        failure = error
                    }
                    start = end
                }
            }
            if let failure { throw failure }
        }
    }

    /// Adds `length` bytes of the file at `path` from `offset` (to its end when `length` is nil) as
    /// a stored entry, copied in 1 MiB chunks: a recording is never loaded whole.
    @discardableResult
    public func add(name: String, file path: String, offset: Int64 = 0, length: Int64? = nil) throws(EvidenceError) -> ZipEntrySummary {
        try admit(name)
        let source = open(path, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw EvidenceError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        defer { close(source) }
        var info = stat()
        guard fstat(source, &info) == 0 else { throw EvidenceError("\(path): cannot stat: \(String(cString: strerror(errno)))") }
        let fileSize = Int64(info.st_size)
        let count = length ?? (fileSize - offset)
        guard offset >= 0, count >= 0, offset <= fileSize, count <= fileSize - offset else {
            throw EvidenceError("\(path): the range of \(length.map(String.init) ?? "all") bytes at offset \(offset) "
                                + "is not within the file (\(fileSize) bytes)")
        }
        return try addEntry(name: name, size: count) { sink throws(EvidenceError) in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ZipFormat.chunk, alignment: 16)
            defer { buffer.deallocate() }
            var position = offset
            var remaining = count
            while remaining > 0 {
                let got = pread(source, buffer.baseAddress, Int(min(Int64(buffer.count), remaining)), off_t(position))
                if got < 0 {
                    if errno == EINTR { continue }
                    throw EvidenceError("\(path): cannot read: \(String(cString: strerror(errno)))")
                }
                // The size was checked above: a file that ends early was truncated while being copied.
                guard got > 0 else {
                    throw EvidenceError("\(path): the file ended at byte \(position), before the \(count) bytes to copy from \(offset)")
                }
                try self.write(UnsafeRawBufferPointer(rebasing: buffer[0..<got]), to: &sink)
                position += Int64(got)
                remaining -= Int64(got)
            }
        }
    }

    /// Writes the central directory and end records (ZIP64 ones when needed), then fsyncs and closes.
    /// When it throws the package is unusable: `abort()` (or deinit) removes it.
    public func finish() throws(EvidenceError) {
        try checkUsable()
        do throws(EvidenceError) {
            let directoryOffset = bytesWritten
            var buffer = LittleEndianBytes()
            for record in records {
                appendCentralHeader(record, to: &buffer)
                if buffer.bytes.count >= ZipFormat.chunk {
                    try append(buffer.bytes)
                    buffer.bytes.removeAll(keepingCapacity: true)
                }
            }
            let directorySize = bytesWritten + Int64(buffer.bytes.count) - directoryOffset
            let always = zip64 == .always
            let count = UInt64(records.count)
            let countOverflows = always || count >= UInt64(ZipFormat.max16)
            let sizeOverflows = always || directorySize >= Int64(ZipFormat.max32)
            let offsetOverflows = always || directoryOffset >= Int64(ZipFormat.max32)
            // APPNOTE 4.4.1.4: fields too small for their value hold -1 and the ZIP64 record has it.
            // The ZIP64 records also go in when any entry is ZIP64, for readers that look for them then.
            if countOverflows || sizeOverflows || offsetOverflows || records.contains(where: { $0.version == ZipFormat.versionZip64 }) {
                let recordOffset = bytesWritten + Int64(buffer.bytes.count)
                // 4.3.14: the ZIP64 end of central directory record; its size field excludes its first 12 bytes.
                buffer.u32(ZipFormat.zip64EndSignature)
                buffer.u64(44)
                buffer.u16(ZipFormat.madeBy | ZipFormat.versionZip64)
                buffer.u16(ZipFormat.versionZip64)
                buffer.u32(0)  // this disk
                buffer.u32(0)  // the disk with the central directory
                buffer.u64(count)
                buffer.u64(count)
                buffer.u64(UInt64(directorySize))
                buffer.u64(UInt64(directoryOffset))
                // 4.3.15: the locator.
                buffer.u32(ZipFormat.zip64LocatorSignature)
                buffer.u32(0)
                buffer.u64(UInt64(recordOffset))
                buffer.u32(1)  // total disks
            }
            // 4.3.16: the end of central directory record, without a comment.
            buffer.u32(ZipFormat.endSignature)
            buffer.u16(0)
            buffer.u16(0)
            buffer.u16(countOverflows ? ZipFormat.max16 : UInt16(count))
            buffer.u16(countOverflows ? ZipFormat.max16 : UInt16(count))
            buffer.u32(sizeOverflows ? ZipFormat.max32 : UInt32(directorySize))
            buffer.u32(offsetOverflows ? ZipFormat.max32 : UInt32(directoryOffset))
            buffer.u16(0)
            try append(buffer.bytes)
            guard fsync(descriptor) == 0 else { throw writeError("cannot sync", errno) }
            let closed = close(descriptor)
            descriptor = -1
            guard closed == 0 else { throw writeError("cannot close", errno) }
            state = .finished
        } catch {
            broken = error
            throw error
        }
    }

    /// Closes and removes the file unless `finish()` succeeded (a finished package is the caller's).
    /// Idempotent; deinit calls it when neither `finish()` nor `abort()` was.
    public func abort() {
        guard state == .open else { return }
        state = .aborted
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(path)
    }

    // MARK: - Entries

    /// CRC-32 and SHA-256 accumulated over an entry's bytes as they are written.
    struct EntrySink {
        var crc = CRC32()
        var hash = SHA256()
        var count: Int64 = 0
    }

    private func checkUsable() throws(EvidenceError) {
        if let broken { throw EvidenceError("\(path): the package cannot be continued after an earlier error (\(broken.message))") }
        guard state == .open else {
            throw EvidenceError("\(path): the package was already \(state == .finished ? "finished" : "aborted")")
        }
    }

    private func admit(_ name: String) throws(EvidenceError) {
        try checkUsable()
        if let reason = ZipFormat.refusal(of: name) {
            throw EvidenceError("\(path): entry name \(ZipFormat.quoted(name)) refused: \(reason)")
        }
        guard !names.contains(name) else {
            throw EvidenceError("\(path): entry name \(ZipFormat.quoted(name)) refused: the package already has an entry of that name")
        }
    }

    /// Writes the local header (CRC placeholder), has `copy` stream `size` bytes through `write`,
    /// then patches the CRC into the header. On failure the file is cut back to where the entry
    /// began, so the package stays consistent and later entries (or `finish`) can still follow.
    private func addEntry(name: String, size: Int64,
                          copy: (inout EntrySink) throws(EvidenceError) -> Void) throws(EvidenceError) -> ZipEntrySummary {
        let start = bytesWritten
        // 4.5.3: the local header's ZIP64 extra carries both sizes, the 32-bit fields then hold -1.
        let localZip64 = zip64 == .always || size >= Int64(ZipFormat.max32)
        let entryZip64 = localZip64 || start >= Int64(ZipFormat.max32)
        let nameBytes = Array(name.utf8)
        let version = entryZip64 ? ZipFormat.versionZip64 : ZipFormat.versionDefault
        var header = LittleEndianBytes()
        header.u32(ZipFormat.localSignature)
        header.u16(version)
        header.u16(ZipFormat.utf8Flag)
        header.u16(0)  // stored
        header.u16(dosTime)
        header.u16(dosDate)
        header.u32(0)  // CRC-32, patched once the data is written
        header.u32(localZip64 ? ZipFormat.max32 : UInt32(size))
        header.u32(localZip64 ? ZipFormat.max32 : UInt32(size))
        header.u16(UInt16(nameBytes.count))
        header.u16(localZip64 ? 20 : 0)
        header.append(nameBytes)
        if localZip64 {
            header.u16(ZipFormat.zip64ExtraID)
            header.u16(16)
            header.u64(UInt64(size))  // original size
            header.u64(UInt64(size))  // compressed size
        }
        var sink = EntrySink()
        do throws(EvidenceError) {
            try append(header.bytes)
            try copy(&sink)
            guard sink.count == size else {
                throw EvidenceError("\(path): entry \(ZipFormat.quoted(name)): \(sink.count) bytes were copied, not the \(size) announced")
            }
            var crc = LittleEndianBytes()
            crc.u32(sink.crc.value)
            try writeAll(crc.bytes, at: start + 14)
        } catch {
            rollBack(to: start)
            throw error
        }
        records.append(CentralRecord(name: nameBytes, size: size, crc32: sink.crc.value, headerOffset: start, version: version))
        names.insert(name)
        return ZipEntrySummary(name: name, size: size, crc32: sink.crc.value, sha256: Data(sink.hash.finalize()))
    }

    private func write(_ bytes: UnsafeRawBufferPointer, to sink: inout EntrySink) throws(EvidenceError) {
        try writeAll(bytes, at: bytesWritten)
        bytesWritten += Int64(bytes.count)
        sink.crc.update(bytes)
        sink.hash.update(bufferPointer: bytes)
        sink.count += Int64(bytes.count)
    }

    private func append(_ bytes: [UInt8]) throws(EvidenceError) {
        try writeAll(bytes, at: bytesWritten)
        bytesWritten += Int64(bytes.count)
    }

    private func writeAll(_ bytes: [UInt8], at offset: Int64) throws(EvidenceError) {
        // Array.withUnsafeBytes rethrows untyped errors: carry the typed one out in a Result.
        let result = bytes.withUnsafeBytes { raw in Result { () throws(EvidenceError) in try writeAll(raw, at: offset) } }
        try result.get()
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(EvidenceError) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let result = pwrite(descriptor, base + done, bytes.count - done, off_t(offset + Int64(done)))
            if result < 0 {
                if errno == EINTR { continue }
                throw writeError("cannot write", errno)
            }
            // A write of more than zero bytes that writes none: the device took nothing more.
            guard result > 0 else { throw writeError("cannot write", ENOSPC) }
            done += result
        }
    }

    private func rollBack(to offset: Int64) {
        if ftruncate(descriptor, off_t(offset)) == 0 {
            bytesWritten = offset
        } else {
            broken = writeError("cannot remove a partly written entry", errno)
        }
    }

    private func writeError(_ what: String, _ code: Int32) -> EvidenceError {
        let text = String(cString: strerror(code))
        let reason: String
        switch code {
        case ENOSPC: reason = "disk full (\(text))"
        case EDQUOT: reason = "disk quota exceeded (\(text))"
        case EFBIG: reason = "file too large for the file system (\(text))"
        default: reason = text
        }
        return EvidenceError("\(path): \(what): \(reason)")
    }

    /// 4.4.17 central directory header: the ZIP64 extra holds the sizes and the offset that do not
    /// fit (all of them with `.always`), in the order 4.5.3 fixes: sizes, then the offset.
    private func appendCentralHeader(_ record: CentralRecord, to buffer: inout LittleEndianBytes) {
        let sizesIn64 = zip64 == .always || record.size >= Int64(ZipFormat.max32)
        let offsetIn64 = zip64 == .always || record.headerOffset >= Int64(ZipFormat.max32)
        let extraLength = (sizesIn64 ? 16 : 0) + (offsetIn64 ? 8 : 0)
        buffer.u32(ZipFormat.centralSignature)
        buffer.u16(ZipFormat.madeBy | record.version)
        buffer.u16(record.version)
        buffer.u16(ZipFormat.utf8Flag)
        buffer.u16(0)
        buffer.u16(dosTime)
        buffer.u16(dosDate)
        buffer.u32(record.crc32)
        buffer.u32(sizesIn64 ? ZipFormat.max32 : UInt32(record.size))
        buffer.u32(sizesIn64 ? ZipFormat.max32 : UInt32(record.size))
        buffer.u16(UInt16(record.name.count))
        buffer.u16(extraLength > 0 ? UInt16(4 + extraLength) : 0)
        buffer.u16(0)  // comment length
        buffer.u16(0)  // disk number start
        buffer.u16(0)  // internal attributes
        buffer.u32(UInt32(0o100644) << 16)  // external attributes: a regular file, rw-r--r-- (made by Unix)
        buffer.u32(offsetIn64 ? ZipFormat.max32 : UInt32(record.headerOffset))
        buffer.append(record.name)
        if extraLength > 0 {
            buffer.u16(ZipFormat.zip64ExtraID)
            buffer.u16(UInt16(extraLength))
            if sizesIn64 {
                buffer.u64(UInt64(record.size))
                buffer.u64(UInt64(record.size))
            }
            if offsetIn64 { buffer.u64(UInt64(record.headerOffset)) }
        }
    }

    /// MS-DOS date and time (4.4.6), in UTC, clamped to the years they can hold (1980–2107).
    static func dosDateTime(_ date: Date) -> (date: UInt16, time: UInt16) {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.isFinite ? max(315_532_800, min(4_354_819_198, interval)) : 315_532_800)
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return (0x21, 0) }  // 1980-01-01 00:00:00
        let day = UInt16(parts.tm_year + 1900 - 1980) << 9 | UInt16(parts.tm_mon + 1) << 5 | UInt16(parts.tm_mday)
        let time = UInt16(parts.tm_hour) << 11 | UInt16(parts.tm_min) << 5 | UInt16(parts.tm_sec / 2)
        return (day, time)
    }
}

/// Reads a ZIP package of stored entries, refusing anything a FieldRelay package would not contain
/// (compression, encryption, unsafe names, several disks) and anything inconsistent, with an error
/// naming the file and entry. Every offset from the file is bounds-checked before use.
public struct ZipReader: Sendable {
    public let path: String
    public let entries: [ZipEntry]
    private let index: [String: Int]
    /// The file as opened at init: later reads see the same file even if the path is replaced.
    private let file: ReadOnlyFile

    /// A central directory larger than this is not a FieldRelay package (thousands of entries take
    /// well under a megabyte); refused rather than read into memory.
    static let maximumDirectorySize: UInt64 = 64 << 20

    public init(path: String) throws(EvidenceError) {
        self.path = path
        let file = try ReadOnlyFile(path: path)
        self.file = file
        let size = file.size
        let notZip = EvidenceError("\(path): not a ZIP file: no end of central directory record")
        guard size >= 22 else { throw notZip }

        // 4.3.16: the end record is the last 22 bytes plus a comment of up to 65535.
        let tailLength = min(size, 22 + 0xFFFF)
        let tail = try file.read(at: size - tailLength, count: Int(tailLength), what: "the end of the file")
        var found: Int?
        var loose: Int?
        var position = tail.count - 22
        while position >= 0 {
            if tail[position] == 0x50, tail[position + 1] == 0x4B, tail[position + 2] == 0x05, tail[position + 3] == 0x06 {
                let commentLength = Int(tail[position + 20]) | Int(tail[position + 21]) << 8
                if position + 22 + commentLength == tail.count { found = position; break }
                if loose == nil, position + 22 + commentLength <= tail.count { loose = position }
            }
            position -= 1
        }
        guard let endInTail = found ?? loose else { throw notZip }
        let endOffset = size - tailLength + Int64(endInTail)
        let end = Fields(Array(tail[endInTail..<(endInTail + 22)]), what: "end of central directory record", path: path)

        var disk = UInt32(try end.u16(4))
        var directoryDisk = UInt32(try end.u16(6))
        var count = UInt64(try end.u16(10))
        var directorySize = UInt64(try end.u32(12))
        var directoryOffset = UInt64(try end.u32(16))
        var recordsStart = endOffset

        // 4.3.15: a ZIP64 locator right before the end record points at the ZIP64 end record,
        // whose values replace the classic ones (which may hold -1).
        var locator: Fields?
        if endOffset >= 20 {
            let bytes = try file.read(at: endOffset - 20, count: 20, what: "ZIP64 end of central directory locator")
            if bytes.starts(with: [0x50, 0x4B, 0x06, 0x07]) {
                locator = Fields(bytes, what: "ZIP64 end of central directory locator", path: path)
            }
        }
        if let locator {
            let recordOffset = try locator.u64(8)
            guard try locator.u32(4) == 0, try locator.u32(16) <= 1 else {
                throw EvidenceError("\(path): the package spans several disks; FieldRelay packages are one file")
            }
            guard recordOffset <= UInt64(endOffset - 20), UInt64(endOffset - 20) - recordOffset >= 56 else {
                throw EvidenceError("\(path): the ZIP64 end of central directory locator points outside the file")
            }
            let record = Fields(try file.read(at: Int64(recordOffset), count: 56, what: "ZIP64 end of central directory record"),
                                what: "ZIP64 end of central directory record", path: path)
            guard try record.u32(0) == ZipFormat.zip64EndSignature else {
                throw EvidenceError("\(path): no ZIP64 end of central directory record where the locator points")
            }
            disk = try record.u32(16)
            directoryDisk = try record.u32(20)
            count = try record.u64(32)
            directorySize = try record.u64(40)
            directoryOffset = try record.u64(48)
            recordsStart = Int64(recordOffset)
        } else if directoryOffset == UInt64(ZipFormat.max32) || directorySize == UInt64(ZipFormat.max32) {
            throw EvidenceError("\(path): the end of central directory record needs a ZIP64 record, and there is none")
        }
        guard disk == 0, directoryDisk == 0 else {
            throw EvidenceError("\(path): the package spans several disks; FieldRelay packages are one file")
        }
        guard directoryOffset <= UInt64(recordsStart), directorySize <= UInt64(recordsStart) - directoryOffset else {
            throw EvidenceError("\(path): the central directory (\(directorySize) bytes at \(directoryOffset)) lies outside the file")
        }
        guard directorySize <= Self.maximumDirectorySize else {
            throw EvidenceError("\(path): the central directory is \(directorySize) bytes; more than a FieldRelay package has")
        }
        guard count <= directorySize / 46 else {
            throw EvidenceError("\(path): the end record announces \(count) entries, more than the central directory can hold")
        }

        let directory = Fields(try file.read(at: Int64(directoryOffset), count: Int(directorySize), what: "central directory"),
                               what: "central directory", path: path)
        var entries: [ZipEntry] = []
        var index: [String: Int] = [:]
        var cursor = 0
        for _ in 0..<count {
            let entry = try Self.centralEntry(directory, at: &cursor, file: file, dataLimit: Int64(directoryOffset), path: path)
            guard index[entry.name] == nil else {
                throw EvidenceError("\(path): entry \(ZipFormat.quoted(entry.name)) appears twice")
            }
            index[entry.name] = entries.count
            entries.append(entry)
        }
        self.entries = entries
        self.index = index
    }

    /// Parses the 4.3.12 central directory header at `cursor` (moving it past the header), checks
    /// it against its 4.3.7 local header and returns the entry.
    private static func centralEntry(_ directory: Fields, at cursor: inout Int, file: ReadOnlyFile, dataLimit: Int64,
                                     path: String) throws(EvidenceError) -> ZipEntry {
        let start = cursor
        guard try directory.u32(start) == ZipFormat.centralSignature else {
            throw EvidenceError("\(path): the central directory is damaged (no entry header at byte \(start) of it)")
        }
        let flags = try directory.u16(start + 8)
        let method = try directory.u16(start + 10)
        let crc = try directory.u32(start + 16)
        var compressedSize = UInt64(try directory.u32(start + 20))
        var size = UInt64(try directory.u32(start + 24))
        let nameLength = Int(try directory.u16(start + 28))
        let extraLength = Int(try directory.u16(start + 30))
        let commentLength = Int(try directory.u16(start + 32))
        let diskStart = try directory.u16(start + 34)
        var headerOffset = UInt64(try directory.u32(start + 42))
        let nameBytes = try directory.bytes(start + 46, nameLength)
        let extra = try directory.bytes(start + 46 + nameLength, extraLength)
        cursor = start + 46 + nameLength + extraLength + commentLength
        guard cursor <= directory.bytes.count else {
            throw EvidenceError("\(path): the central directory is truncated (its last entry runs past its end)")
        }

        // The name first, so that every later refusal can name the entry.
        guard let name = String(validating: nameBytes, as: UTF8.self),
              flags & ZipFormat.utf8Flag != 0 || nameBytes.allSatisfy({ $0 < 0x80 }) else {
            throw EvidenceError("\(path): an entry's name is not UTF-8 (\(nameBytes.count) bytes at byte \(start + 46) of the central directory)")
        }
        let label = "\(path): entry \(ZipFormat.quoted(name))"
        if let reason = ZipFormat.refusal(of: name) { throw EvidenceError("\(label): unsafe name: \(reason)") }
        // 4.4.4 bit 0: encrypted; bit 6 (strong encryption) and bit 13 (masked headers) come with it.
        guard flags & 0x0001 == 0, flags & 0x2000 == 0 else { throw EvidenceError("\(label): encrypted; FieldRelay packages are not") }
        guard method == 0 else {
            throw EvidenceError("\(label): compressed with method \(method); FieldRelay packages store entries uncompressed")
        }

        // 4.5.3: the ZIP64 extra holds, in this order, each value whose classic field is -1.
        let extras = Fields(extra, what: "extra field of entry \(ZipFormat.quoted(name))", path: path)
        var position = 0
        var sawZip64 = false
        while position + 4 <= extra.count {
            let id = try extras.u16(position)
            let length = Int(try extras.u16(position + 2))
            guard position + 4 + length <= extra.count else { throw EvidenceError("\(label): its extra field is truncated") }
            if id == ZipFormat.zip64ExtraID, !sawZip64 {
                sawZip64 = true
                var field = position + 4
                let fieldEnd = field + length
                func next() throws(EvidenceError) -> UInt64 {
                    guard field + 8 <= fieldEnd else { throw EvidenceError("\(label): its ZIP64 extra field is too short") }
                    defer { field += 8 }
                    return try extras.u64(field)
                }
                if size == UInt64(ZipFormat.max32) { size = try next() }
                if compressedSize == UInt64(ZipFormat.max32) { compressedSize = try next() }
                if headerOffset == UInt64(ZipFormat.max32) { headerOffset = try next() }
            }
            position += 4 + length
        }
        guard diskStart == 0 || (diskStart == ZipFormat.max16 && sawZip64) else {
            throw EvidenceError("\(label): on another disk; FieldRelay packages are one file")
        }
        guard compressedSize == size else {
            throw EvidenceError("\(label): stored, yet its compressed size (\(compressedSize)) is not its size (\(size))")
        }
        guard size <= UInt64(Int64.max), headerOffset <= UInt64(dataLimit), UInt64(dataLimit) - headerOffset >= 30 else {
            throw EvidenceError("\(label): its local header lies outside the file's data")
        }

        // 4.3.7: the local header; its name and extra lengths may differ from the central ones.
        let local = Fields(try file.read(at: Int64(headerOffset), count: 30, what: "local header of entry \(ZipFormat.quoted(name))"),
                           what: "local header of entry \(ZipFormat.quoted(name))", path: path)
        guard try local.u32(0) == ZipFormat.localSignature else { throw EvidenceError("\(label): no local header where the directory points") }
        guard try local.u16(6) & 0x0001 == 0 else { throw EvidenceError("\(label): encrypted; FieldRelay packages are not") }
        let localMethod = try local.u16(8)
        guard localMethod == 0 else {
            throw EvidenceError("\(label): compressed with method \(localMethod); FieldRelay packages store entries uncompressed")
        }
        let localNameLength = Int64(try local.u16(26))
        let localExtraLength = Int64(try local.u16(28))
        let dataOffset = Int64(headerOffset) + 30 + localNameLength + localExtraLength
        if localNameLength == Int64(nameLength), dataOffset <= file.size {
            let localName = try file.read(at: Int64(headerOffset) + 30, count: nameLength, what: "local header of entry \(ZipFormat.quoted(name))")
            guard localName == nameBytes else { throw EvidenceError("\(label): its local header names another entry") }
        } else if dataOffset <= file.size {
            throw EvidenceError("\(label): its local header names another entry")
        }
        let entrySize = Int64(size)
        guard dataOffset <= file.size, entrySize <= file.size - dataOffset else {
            throw EvidenceError("\(label): its data (\(size) bytes at \(dataOffset)) runs past the end of the file (\(file.size) bytes)")
        }
        guard dataOffset + entrySize <= dataLimit else {
            throw EvidenceError("\(label): its data (\(size) bytes at \(dataOffset)) runs into the central directory")
        }
        return ZipEntry(name: name, size: entrySize, crc32: crc, dataOffset: dataOffset)
    }

    public func entry(named name: String) -> ZipEntry? {
        index[name].map { entries[$0] }
    }

    /// The entry's bytes, CRC-checked; refused when larger than `limit` (use `stream` for those).
    public func read(_ entry: ZipEntry, limit: Int64 = 64 << 20) throws(EvidenceError) -> Data {
        guard entry.size <= limit else {
            throw EvidenceError("\(path): entry \(ZipFormat.quoted(entry.name)) is \(entry.size) bytes, more than the \(limit) to read into memory")
        }
        var data = Data(capacity: Int(entry.size))
        try scan(entry) { chunk in
            data.append(contentsOf: chunk)
            return true
        }
        return data
    }

    /// Passes the entry's bytes to `body` in chunks of up to 1 MiB, then checks the CRC: a mismatch
    /// throws after `body` saw all of the (damaged) bytes. Errors from `body` end the read.
    public func stream(_ entry: ZipEntry, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var failure: (any Error)?
        try scan(entry) { chunk in
            do {
                try body(chunk)
                return true
            } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
    }

    /// The SHA-256 of the entry's bytes (32 bytes), after checking them against the entry's CRC-32.
    public func sha256(_ entry: ZipEntry) throws(EvidenceError) -> Data {
        var hash = SHA256()
        try scan(entry) { chunk in
            hash.update(bufferPointer: chunk)
            return true
        }
        return Data(hash.finalize())
    }

    /// Reads the entry in chunks, handing each to `body` until it returns false; at the end,
    /// compares the CRC-32 of what was read with the directory's.
    private func scan(_ entry: ZipEntry, _ body: (UnsafeRawBufferPointer) -> Bool) throws(EvidenceError) {
        // Only entries of this package: their offsets were checked against this file at init.
        guard let known = index[entry.name], entries[known] == entry else {
            throw EvidenceError("\(path): entry \(ZipFormat.quoted(entry.name)) is not one of this package's")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ZipFormat.chunk, alignment: 16)
        defer { buffer.deallocate() }
        var crc = CRC32()
        var position = entry.dataOffset
        var remaining = entry.size
        while remaining > 0 {
            let count = Int(min(Int64(buffer.count), remaining))
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]), at: position,
                          what: "entry \(ZipFormat.quoted(entry.name))")
            crc.update(chunk)
            guard body(chunk) else { return }
            position += Int64(count)
            remaining -= Int64(count)
        }
        guard crc.value == entry.crc32 else {
            throw EvidenceError("\(path): entry \(ZipFormat.quoted(entry.name)): CRC mismatch (the directory says "
                                + "\(ZipFormat.hex(entry.crc32)), the data gives \(ZipFormat.hex(crc.value))): the entry is damaged or altered")
        }
    }
}

/// An open, read-only file descriptor with its size at opening; closed when the last reader goes.
/// Sendable as it is: the descriptor never changes and `pread` keeps no shared file position.
final class ReadOnlyFile: Sendable {
    let path: String
    let descriptor: Int32
    let size: Int64

    init(path: String) throws(EvidenceError) {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw EvidenceError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let text = String(cString: strerror(errno))
            close(descriptor)
            throw EvidenceError("\(path): cannot stat: \(text)")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw EvidenceError("\(path): not a regular file")
        }
        self.descriptor = descriptor
        self.size = Int64(info.st_size)
    }

    deinit { close(descriptor) }

    func read(at offset: Int64, count: Int, what: String) throws(EvidenceError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        // Array.withUnsafeMutableBytes rethrows untyped errors: carry the typed one out in a Result.
        let result = bytes.withUnsafeMutableBytes { buffer in Result { () throws(EvidenceError) in try read(into: buffer, at: offset, what: what) } }
        try result.get()
        return bytes
    }

    /// Fills `buffer` from `offset`; a file that ends first (it shrank since init) is an error.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, what: String) throws(EvidenceError) {
        guard let base = buffer.baseAddress else { return }
        var done = 0
        while done < buffer.count {
            let result = pread(descriptor, base + done, buffer.count - done, off_t(offset + Int64(done)))
            if result < 0 {
                if errno == EINTR { continue }
                throw EvidenceError("\(path): cannot read \(what): \(String(cString: strerror(errno)))")
            }
            guard result > 0 else { throw EvidenceError("\(path): the file ends inside \(what) (was it truncated?)") }
            done += result
        }
    }
}

/// Little-endian fields of a record read from the file, every access bounds-checked.
struct Fields {
    let bytes: [UInt8]
    let what: String
    let path: String

    init(_ bytes: [UInt8], what: String, path: String) {
        self.bytes = bytes
        self.what = what
        self.path = path
    }

    private func check(_ offset: Int, _ count: Int) throws(EvidenceError) {
        guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
            throw EvidenceError("\(path): the \(what) is truncated")
        }
    }

    func u16(_ offset: Int) throws(EvidenceError) -> UInt16 {
        try check(offset, 2)
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    func u32(_ offset: Int) throws(EvidenceError) -> UInt32 {
        try check(offset, 4)
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    func u64(_ offset: Int) throws(EvidenceError) -> UInt64 {
        try check(offset, 8)
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) }
    }

    func bytes(_ offset: Int, _ count: Int) throws(EvidenceError) -> [UInt8] {
        try check(offset, count)
        return Array(bytes[offset..<(offset + count)])
    }
}

/// Builds little-endian records.
struct LittleEndianBytes {
    var bytes: [UInt8] = []

    mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func append(_ more: [UInt8]) { bytes.append(contentsOf: more) }
}

/// The APPNOTE constants and rules shared by the writer and the reader.
enum ZipFormat {
    static let localSignature: UInt32 = 0x0403_4B50
    static let centralSignature: UInt32 = 0x0201_4B50
    static let endSignature: UInt32 = 0x0605_4B50
    static let zip64EndSignature: UInt32 = 0x0606_4B50
    static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    static let zip64ExtraID: UInt16 = 0x0001
    /// 4.4.4 bit 11: names (and comments) are UTF-8 (APPNOTE appendix D).
    static let utf8Flag: UInt16 = 1 << 11
    /// 4.4.3.2: 2.0 is what most readers expect of a plain entry; 4.5 once ZIP64 fields are used.
    static let versionDefault: UInt16 = 20
    static let versionZip64: UInt16 = 45
    /// 4.4.2: "version made by" upper byte 3, Unix, so the external attributes carry a Unix mode.
    static let madeBy: UInt16 = 3 << 8
    static let max16: UInt16 = 0xFFFF
    static let max32: UInt32 = 0xFFFF_FFFF
    static let chunk = 1 << 20

    /// Why `name` cannot be an entry name, or nil. Packages are unpacked by other people's tools:
    /// names must not climb out of (or start above) the directory they are unpacked into.
    static func refusal(of name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.utf8.count > Int(max16) { return "it is longer than 65535 bytes" }
        if name.hasPrefix("/") { return "it is absolute" }
        if name.contains("\\") { return "it contains a backslash" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "it contains a control character" }
        if name.split(separator: "/", omittingEmptySubsequences: false).contains("..") { return "it contains a .. component" }
        return nil
    }

    static func quoted(_ name: String) -> String {
        "\"" + name.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined() + "\""
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
