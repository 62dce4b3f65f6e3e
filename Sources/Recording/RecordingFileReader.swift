import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A recording file read box by box with positioned reads: recovery and verification hold one
/// fragment in memory at a time, never a whole ten-minute file, and trust no size a box claims
/// beyond the file's end.
final class RecordingFileReader {
    let path: String
    let fd: Int32
    private(set) var size: Int64

    /// No fragment is larger than this (a GOP of minutes at a high rate is far below it): a box
    /// header claiming more is damage, not media, and is never allocated.
    static let largestFragment: Int64 = 1 << 30
    static let largestInitSection: Int64 = 4 << 20

    init(path: String, writable: Bool = false) throws(DiskFile.Failure) {
        self.path = path
        fd = writable ? try DiskFile.openForAppend(path) : try DiskFile.openForReading(path)
        do {
            size = try DiskFile.size(fd, path: path)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    deinit { Glibc.close(fd) }

    func read(at offset: Int64, length: Int64) throws(DiskFile.Failure) -> [UInt8] {
        try DiskFile.read(fd, at: offset, length: Int(length), path: path)
    }

    /// Cuts the file at `length` and makes the cut durable.
    func truncate(to length: Int64) throws(DiskFile.Failure) {
        try DiskFile.truncate(fd, to: length, path: path)
        try DiskFile.syncData(fd, path: path)
        size = length
    }

    /// The type and size of the box at `offset`, nil when its header or body is past the end.
    func box(at offset: Int64) throws(DiskFile.Failure) -> (type: String, size: Int64)? {
        guard offset >= 0, offset + 8 <= size else { return nil }
        let header = try read(at: offset, length: min(16, size - offset))
        var length = Int64(MP4Boxes.readUInt32(header, 0))
        let type = String(decoding: header[4..<8], as: UTF8.self)
        var headerLength: Int64 = 8
        if length == 1 {
            guard header.count == 16 else { return nil }
            length = Int64(bitPattern: MP4Boxes.readUInt64(header, 8))
            headerLength = 16
        } else if length == 0 {
            length = size - offset
        }
        guard length >= headerLength, length <= size - offset else { return nil }
        return (type, length)
    }

    /// The init section: the boxes before the first fragment (ftyp and moov as the writer wrote
    /// them). Nil when there is no complete moov to read the tracks from.
    func initSection() throws(DiskFile.Failure) -> [UInt8]? {
        var offset: Int64 = 0
        var sawMovie = false
        while let next = try box(at: offset), next.type != "moof", offset + next.size <= Self.largestInitSection {
            if next.type == "moov" { sawMovie = true }
            offset += next.size
        }
        guard sawMovie else { return nil }
        return try read(at: 0, length: offset)
    }

    /// The complete fragment (moof, then mdat) at `offset` with its bytes, nil when what is there
    /// is not one: the end of the file, a torn write, or anything else.
    func fragment(at offset: Int64, tracks: [MP4Boxes.TrackInfo]) throws(DiskFile.Failure) -> (found: MP4Boxes.FoundFragment, bytes: [UInt8])? {
        guard let moof = try box(at: offset), moof.type == "moof",
              let mdat = try box(at: offset + moof.size), mdat.type == "mdat",
              moof.size + mdat.size <= Self.largestFragment else { return nil }
        let bytes = try read(at: offset, length: moof.size + mdat.size)
        guard Int64(bytes.count) == moof.size + mdat.size,
              var found = MP4Boxes.fragments(bytes, from: 0, tracks: tracks).first,
              found.length == Int64(bytes.count) else { return nil }
        found.offset = offset
        return (found, bytes)
    }
}

/// The writer's time rule read back from a file: a fragment starts at the file's start (its name)
/// plus its reference track's decode time less that track's decode time in the file's first
/// fragment, and lasts as long as that track's samples in it. The reference track is the first
/// video track (else the first track), as the writer picks it.
struct FragmentClock {
    let fileStart: Date
    let tracks: [MP4Boxes.TrackInfo]
    let base: [UInt32: UInt64]

    init(fileStart: Date, tracks: [MP4Boxes.TrackInfo], first: MP4Boxes.FoundFragment) {
        self.fileStart = fileStart
        self.tracks = tracks.filter(\.isVideo) + tracks.filter { !$0.isVideo }
        base = first.timing.mapValues(\.decodeTime)
    }

    /// Nil only when the fragment shares no track with the file's first fragment.
    func times(_ fragment: MP4Boxes.FoundFragment) -> (start: Date, end: Date)? {
        guard let track = tracks.first(where: { fragment.timing[$0.id] != nil && base[$0.id] != nil }),
              let timing = fragment.timing[track.id], let first = base[track.id] else { return nil }
        let scale = Double(track.timescale)
        let elapsed = Double(Int64(bitPattern: timing.decodeTime &- first)) / scale
        let start = fileStart.addingTimeInterval(elapsed)
        return (start, start.addingTimeInterval(Double(timing.duration) / scale))
    }
}
