import Foundation

/// Just enough ISO BMFF to find a recording file's fragments without its index: top-level boxes,
/// the init section's tracks (timescale, handler, default sample duration) and each fragment's
/// decode time and duration per track. Used by recovery (fragments written but not indexed, an
/// index rebuilt from the files) and never trusted further than its bounds checks.
public enum MP4Boxes {
    public struct Box: Sendable, Equatable {
        public var type: String
        public var offset: Int64
        public var size: Int64
        /// Where the payload starts (after the 8- or 16-byte header).
        public var payloadOffset: Int64
    }

    public struct TrackInfo: Sendable, Equatable {
        public var id: UInt32
        public var timescale: UInt32
        public var isVideo: Bool
        public var defaultSampleDuration: UInt32
    }

    /// A fragment as found in a file: a moof and the mdat after it.
    public struct FoundFragment: Sendable, Equatable {
        public var offset: Int64
        public var length: Int64
        /// Per track id: (base media decode time, summed sample durations), in the track's timescale.
        public var timing: [UInt32: (decodeTime: UInt64, duration: UInt64)]

        public static func == (lhs: FoundFragment, rhs: FoundFragment) -> Bool {
            lhs.offset == rhs.offset && lhs.length == rhs.length && lhs.timing.keys == rhs.timing.keys
                && lhs.timing.allSatisfy { key, value in rhs.timing[key].map { $0 == value } ?? false }
        }
    }

    /// The top-level boxes of `bytes`, stopping at the first incomplete or malformed one.
    public static func topLevel(_ bytes: [UInt8], from start: Int64 = 0) -> [Box] {
        children(bytes, from: start, to: Int64(bytes.count))
    }

    static func children(_ bytes: [UInt8], from start: Int64, to end: Int64) -> [Box] {
        var boxes: [Box] = []
        var offset = start
        while offset + 8 <= end {
            var size = Int64(readUInt32(bytes, Int(offset)))
            let type = String(decoding: bytes[Int(offset) + 4 ..< Int(offset) + 8], as: UTF8.self)
            var header: Int64 = 8
            if size == 1 {
                guard offset + 16 <= end else { break }
                size = Int64(bitPattern: readUInt64(bytes, Int(offset) + 8))
                header = 16
            } else if size == 0 {
                size = end - offset
            }
            guard size >= header, offset + size <= end else { break }
            boxes.append(Box(type: type, offset: offset, size: size, payloadOffset: offset + header))
            offset += size
        }
        return boxes
    }

    /// The tracks of an init section (ftyp + moov).
    public static func tracks(initSection bytes: [UInt8]) -> [TrackInfo] {
        guard let moov = topLevel(bytes).first(where: { $0.type == "moov" }) else { return [] }
        let moovChildren = children(bytes, from: moov.payloadOffset, to: moov.offset + moov.size)
        var defaults: [UInt32: UInt32] = [:]
        if let mvex = moovChildren.first(where: { $0.type == "mvex" }) {
            for trex in children(bytes, from: mvex.payloadOffset, to: mvex.offset + mvex.size) where trex.type == "trex" {
                let p = Int(trex.payloadOffset)
                guard trex.size >= 32 else { continue }
                defaults[readUInt32(bytes, p + 4)] = readUInt32(bytes, p + 12)
            }
        }
        var result: [TrackInfo] = []
        for trak in moovChildren where trak.type == "trak" {
            let trakChildren = children(bytes, from: trak.payloadOffset, to: trak.offset + trak.size)
            guard let tkhd = trakChildren.first(where: { $0.type == "tkhd" }),
                  let mdia = trakChildren.first(where: { $0.type == "mdia" }) else { continue }
            let version = bytes[Int(tkhd.payloadOffset)]
            guard tkhd.size >= 8 + (version == 1 ? 24 : 16) else { continue }
            let id = readUInt32(bytes, Int(tkhd.payloadOffset) + (version == 1 ? 20 : 12))
            let mdiaChildren = children(bytes, from: mdia.payloadOffset, to: mdia.offset + mdia.size)
            guard let mdhd = mdiaChildren.first(where: { $0.type == "mdhd" }) else { continue }
            let mdhdVersion = bytes[Int(mdhd.payloadOffset)]
            guard mdhd.size >= 8 + (mdhdVersion == 1 ? 24 : 16) else { continue }
            let timescale = readUInt32(bytes, Int(mdhd.payloadOffset) + (mdhdVersion == 1 ? 20 : 12))
            var isVideo = false
            if let hdlr = mdiaChildren.first(where: { $0.type == "hdlr" }), hdlr.size >= 20 {
                isVideo = String(decoding: bytes[Int(hdlr.payloadOffset) + 8 ..< Int(hdlr.payloadOffset) + 12], as: UTF8.self) == "vide"
            }
            result.append(TrackInfo(id: id, timescale: max(1, timescale), isVideo: isVideo, defaultSampleDuration: defaults[id] ?? 0))
        }
        return result
    }

    /// The complete moof + mdat pairs in `bytes` from `start` on, stopping at the first box that
    /// is not one (a torn write leaves an incomplete box, which is where the file is cut).
    public static func fragments(_ bytes: [UInt8], from start: Int64, tracks: [TrackInfo]) -> [FoundFragment] {
        let boxes = topLevel(bytes, from: start)
        var found: [FoundFragment] = []
        var index = 0
        while index + 1 < boxes.count {
            let moof = boxes[index], mdat = boxes[index + 1]
            guard moof.type == "moof", mdat.type == "mdat", mdat.offset == moof.offset + moof.size else { break }
            guard let timing = timing(bytes, moof: moof, tracks: tracks) else { break }
            found.append(FoundFragment(offset: moof.offset, length: moof.size + mdat.size, timing: timing))
            index += 2
        }
        return found
    }

    static func timing(_ bytes: [UInt8], moof: Box, tracks: [TrackInfo]) -> [UInt32: (decodeTime: UInt64, duration: UInt64)]? {
        var result: [UInt32: (decodeTime: UInt64, duration: UInt64)] = [:]
        for traf in children(bytes, from: moof.payloadOffset, to: moof.offset + moof.size) where traf.type == "traf" {
            let parts = children(bytes, from: traf.payloadOffset, to: traf.offset + traf.size)
            guard let tfhd = parts.first(where: { $0.type == "tfhd" }), tfhd.size >= 16 else { return nil }
            var p = Int(tfhd.payloadOffset)
            let flags = readUInt32(bytes, p) & 0x00FF_FFFF
            let trackID = readUInt32(bytes, p + 4)
            p += 8
            if flags & 0x01 != 0 { p += 8 }   // base data offset
            if flags & 0x02 != 0 { p += 4 }   // sample description index
            var defaultDuration = tracks.first { $0.id == trackID }?.defaultSampleDuration ?? 0
            if flags & 0x08 != 0 {
                guard Int64(p + 4) <= tfhd.offset + tfhd.size else { return nil }
                defaultDuration = readUInt32(bytes, p)
            }
            var decodeTime: UInt64 = 0
            if let tfdt = parts.first(where: { $0.type == "tfdt" }), tfdt.size >= 16 {
                let q = Int(tfdt.payloadOffset)
                decodeTime = bytes[q] == 1 && tfdt.size >= 20 ? readUInt64(bytes, q + 4) : UInt64(readUInt32(bytes, q + 4))
            }
            var duration: UInt64 = 0
            for trun in parts where trun.type == "trun" {
                var q = Int(trun.payloadOffset)
                let end = Int(trun.offset + trun.size)
                guard q + 8 <= end else { return nil }
                let trunFlags = readUInt32(bytes, q) & 0x00FF_FFFF
                let count = Int(readUInt32(bytes, q + 4))
                q += 8
                if trunFlags & 0x001 != 0 { q += 4 }
                if trunFlags & 0x004 != 0 { q += 4 }
                let fields = [0x100, 0x200, 0x400, 0x800].filter { trunFlags & UInt32($0) != 0 }.count
                guard count >= 0, q + count * fields * 4 <= end else { return nil }
                for _ in 0..<count {
                    duration += UInt64(trunFlags & 0x100 != 0 ? readUInt32(bytes, q) : defaultDuration)
                    q += fields * 4
                }
            }
            result[trackID] = (decodeTime, duration)
        }
        return result.isEmpty ? nil : result
    }

    static func readUInt32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    static func readUInt64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
        UInt64(readUInt32(bytes, offset)) << 32 | UInt64(readUInt32(bytes, offset + 4))
    }
}
