import MediaRemux
import MediaTypes

/// The RFC 6381 codecs of a recording file's tracks, read back from its init section, for an index
/// rebuilt from the files. The writer took them from the publisher's parameter sets
/// (`CodecString.of`); here the same rule is applied to what the sample entries keep of them
/// (avcC, hvcC, esds), so a rebuilt file says exactly what the writer said and playback sees no
/// codec change where there was none.
enum MP4Codecs {
    /// Comma-separated in track order, as the writer joins them; empty when none is readable.
    static func codecs(initSection bytes: [UInt8]) -> String {
        guard let moov = MP4Boxes.topLevel(bytes).first(where: { $0.type == "moov" }) else { return "" }
        var result: [String] = []
        for trak in MP4Boxes.children(bytes, from: moov.payloadOffset, to: moov.offset + moov.size) where trak.type == "trak" {
            guard let stsd = descend(bytes, from: trak, through: ["mdia", "minf", "stbl", "stsd"]),
                  stsd.size >= 16 + 8 else { continue }
            let entries = MP4Boxes.children(bytes, from: stsd.payloadOffset + 8, to: stsd.offset + stsd.size)
            guard let entry = entries.first, let track = track(bytes, sampleEntry: entry),
                  let codec = CodecString.of(track) else { continue }
            result.append(codec)
        }
        return result.joined(separator: ",")
    }

    static func descend(_ bytes: [UInt8], from box: MP4Boxes.Box, through path: [String]) -> MP4Boxes.Box? {
        var current = box
        for type in path {
            guard let next = MP4Boxes.children(bytes, from: current.payloadOffset, to: current.offset + current.size)
                .first(where: { $0.type == type }) else { return nil }
            current = next
        }
        return current
    }

    /// A track carrying the configuration as the intake would have collected it (an Annex B
    /// parameter set, or the AudioSpecificConfig), so `CodecString.of` reads it.
    static func track(_ bytes: [UInt8], sampleEntry entry: MP4Boxes.Box) -> Track? {
        // ISO/IEC 14496-12 12.1.3 / 12.2.3: the fixed fields of a visual sample entry take 78 bytes,
        // those of an audio sample entry 28; the configuration boxes follow.
        let end = entry.offset + entry.size
        switch entry.type {
        case "avc1", "avc3":
            guard let avcC = child(bytes, "avcC", from: entry.payloadOffset + 78, to: end), avcC.size >= 8 + 4 else { return nil }
            let p = Int(avcC.payloadOffset)
            // ISO/IEC 14496-15 5.3.3.1: profile, compatibility and level follow the version byte,
            // as they follow an SPS's NAL header.
            return annexB(.h264, nal: [0x67, bytes[p + 1], bytes[p + 2], bytes[p + 3]])
        case "hvc1", "hev1":
            guard let hvcC = child(bytes, "hvcC", from: entry.payloadOffset + 78, to: end), hvcC.size >= 8 + 13 else { return nil }
            let p = Int(hvcC.payloadOffset)
            // ISO/IEC 14496-15 8.3.3.1: the 12 bytes after the version are the general profile, tier
            // and level as an SPS carries them after its NAL header (2 bytes) and one byte of ids.
            return annexB(.hevc, nal: [0x42, 0x01, 0x01] + Array(bytes[p + 1 ... p + 12]))
        case "mp4a":
            guard let esds = child(bytes, "esds", from: entry.payloadOffset + 28, to: end),
                  let config = audioSpecificConfig(bytes, esds: esds) else { return nil }
            return Track(index: 0, codec: .aac, pid: 0, extradata: config)
        case "Opus":
            return Track(index: 0, codec: .opus, pid: 0)
        default:
            return nil
        }
    }

    static func child(_ bytes: [UInt8], _ type: String, from start: Int64, to end: Int64) -> MP4Boxes.Box? {
        guard start < end else { return nil }
        return MP4Boxes.children(bytes, from: start, to: end).first { $0.type == type }
    }

    /// `nal` in an Annex B stream, with emulation prevention bytes where two zeros precede a byte
    /// of 3 or less (as an encoder writes it, and as `CodecString` undoes it).
    static func annexB(_ codec: Codec, nal: [UInt8]) -> Track {
        var stream: [UInt8] = [0, 0, 0, 1]
        var zeros = 0
        for byte in nal {
            if zeros >= 2, byte <= 3 {
                stream.append(3)
                zeros = 0
            }
            stream.append(byte)
            zeros = byte == 0 ? zeros + 1 : 0
        }
        return Track(index: 0, codec: codec, pid: 0, extradata: stream)
    }

    /// ISO/IEC 14496-1 7.2.6: ES_Descriptor (tag 3) → DecoderConfigDescriptor (tag 4) →
    /// DecoderSpecificInfo (tag 5), whose payload is the AudioSpecificConfig.
    static func audioSpecificConfig(_ bytes: [UInt8], esds: MP4Boxes.Box) -> [UInt8]? {
        var p = Int(esds.payloadOffset) + 4   // version and flags
        let end = Int(esds.offset + esds.size)
        func descriptor(_ tag: UInt8) -> Int? {
            guard p < end, bytes[p] == tag else { return nil }
            p += 1
            var length = 0
            for _ in 0..<4 {
                guard p < end else { return nil }
                let byte = bytes[p]
                p += 1
                length = length << 7 | Int(byte & 0x7F)
                if byte & 0x80 == 0 { break }
            }
            return p + length <= end ? length : nil
        }
        guard descriptor(3) != nil, p + 3 <= end else { return nil }
        let flags = bytes[p + 2]
        p += 3
        if flags & 0x80 != 0 { p += 2 }                                  // dependsOn_ES_ID
        if flags & 0x40 != 0 { guard p < end else { return nil }; p += 1 + Int(bytes[p]) }   // URL
        if flags & 0x20 != 0 { p += 2 }                                  // OCR_ES_ID
        guard descriptor(4) != nil else { return nil }
        p += 13   // objectTypeIndication, streamType, bufferSizeDB, maxBitrate, avgBitrate
        guard let length = descriptor(5), length > 0 else { return nil }
        return Array(bytes[p ..< p + length])
    }
}
