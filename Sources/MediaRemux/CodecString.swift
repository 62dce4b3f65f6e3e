import MediaTypes

/// The RFC 6381 `codecs` value of a track ("avc1.64001f", "hvc1.1.6.L93.B0", "mp4a.40.2"), as an
/// HLS multivariant playlist's CODECS attribute (RFC 8216 4.3.4.2) and a browser's
/// `MediaSource.isTypeSupported` want it. Read from the track's own parameter sets, never guessed:
/// the profile and level a camera chose decide whether a player can decode it.
///
/// Pure Swift over the bytes the intake collected (`Track.extradata`: Annex B SPS/PPS/VPS, or the
/// AudioSpecificConfig); untrusted input, so every read is bounds-checked and a set too short to
/// hold the fields gives nil rather than a wrong string.
public enum CodecString {
    /// The codec string of `track`, or nil when its configuration is missing or unreadable.
    public static func of(_ track: Track) -> String? {
        switch track.codec {
        case .h264:
            guard let extradata = track.extradata else { return nil }
            return nalUnits(extradata).first { $0.first.map { $0 & 0x1F == 7 } ?? false }.flatMap(avc)
        case .hevc:
            guard let extradata = track.extradata else { return nil }
            return nalUnits(extradata).first { $0.first.map { ($0 >> 1) & 0x3F == 33 } ?? false }.flatMap(hevc)
        case .aac:
            return track.extradata.flatMap(aac)
        case .opus:
            // "Encapsulation of Opus in ISO Base Media File Format" 4.1 (the 'Opus' sample entry):
            // the codecs parameter is plain "opus".
            return "opus"
        }
    }

    /// `avc1.PPCCLL` (RFC 6381 3.3, ISO/IEC 14496-15 annex E): profile_idc, the byte of
    /// constraint_set flags and level_idc, the three bytes after an H.264 SPS's NAL header
    /// (H.264 7.3.2.1.1), in hexadecimal. `sps` is the NAL unit, header included, as sent.
    static func avc(sps: [UInt8]) -> String? {
        let payload = unescaped(sps, limit: 4)
        guard payload.count >= 4, payload[0] & 0x1F == 7 else { return nil }
        return "avc1." + hex(payload[1]) + hex(payload[2]) + hex(payload[3])
    }

    /// `hvc1.<space><profile>.<compatibility>.<tier><level>.<constraints>` (ISO/IEC 14496-15 E.3)
    /// from the general profile_tier_level of an H.265 SPS (H.265 7.3.2.2.1, 7.3.3):
    /// - general_profile_space as nothing, A, B or C, then general_profile_idc in decimal;
    /// - the 32 general_profile_compatibility_flags in reverse bit order (flag j is bit j), in
    ///   hexadecimal without leading zeros;
    /// - L (Main tier) or H (High tier), then general_level_idc in decimal;
    /// - the six bytes starting with general_progressive_source_flag, each in hexadecimal, dot
    ///   separated, trailing zero bytes left out.
    /// `hvc1` rather than `hev1`: FragmentedMP4Muxer tags its sample entries hvc1 (parameter sets in
    /// the sample entry only), and a CODECS value names the sample entry type.
    static func hevc(sps: [UInt8]) -> String? {
        // NAL header (2 bytes); sps_video_parameter_set_id (4 bits), sps_max_sub_layers_minus1 (3),
        // sps_temporal_id_nesting_flag (1); then the 12 byte-aligned bytes of the general profile,
        // tier and level: they come before any Exp-Golomb field, so no bit reader is needed.
        let payload = unescaped(sps, limit: 15)
        guard payload.count >= 15, (payload[0] >> 1) & 0x3F == 33 else { return nil }
        let space = Int(payload[3] >> 6)
        let tier = payload[3] & 0x20 != 0 ? "H" : "L"
        let profile = Int(payload[3] & 0x1F)
        var flags: UInt32 = 0
        for byte in payload[4..<8] { flags = flags << 8 | UInt32(byte) }
        let constraints = Array(payload[8..<14])
        let level = Int(payload[14])
        var text = "hvc1." + ["", "A", "B", "C"][space] + "\(profile)"
        text += "." + String(flags.bitReversed, radix: 16, uppercase: true)
        text += ".\(tier)\(level)"
        let kept = constraints.lastIndex { $0 != 0 }.map { constraints[...$0] } ?? []
        for byte in kept { text += "." + String(byte, radix: 16, uppercase: true) }
        return text
    }

    /// `mp4a.40.<audio object type>` (RFC 6381 3.3: 0x40 is the MPEG-4 Audio object type
    /// indication) from an AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1): five bits of
    /// audioObjectType, or 31 then six more bits for types from 32 on (GetAudioObjectType()).
    static func aac(audioSpecificConfig config: [UInt8]) -> String? {
        guard let first = config.first else { return nil }
        var type = Int(first >> 3)
        if type == 31 {
            guard config.count >= 2 else { return nil }
            type = 32 + (Int(first & 0x07) << 3 | Int(config[1] >> 5))
        }
        guard type > 0 else { return nil }  // 0 is "null": no configuration at all
        return "mp4a.40.\(type)"
    }

    // MARK: - Bytes

    /// The NAL units of an Annex B byte stream (start codes `00 00 01`, or `00 00 00 01`).
    static func nalUnits(_ stream: [UInt8]) -> [[UInt8]] {
        var units: [[UInt8]] = []
        var start: Int?
        var index = 0
        while index + 3 <= stream.count {
            if stream[index] == 0, stream[index + 1] == 0, stream[index + 2] == 1 {
                if let begin = start {
                    var end = index
                    while end > begin, stream[end - 1] == 0 { end -= 1 }  // trailing zeros belong to the next start code
                    if end > begin { units.append(Array(stream[begin..<end])) }
                }
                index += 3
                start = index
            } else {
                index += 1
            }
        }
        if let begin = start, begin < stream.count { units.append(Array(stream[begin...])) }
        return units
    }

    /// The first `limit` bytes of a NAL unit with its emulation prevention bytes removed
    /// (H.264 7.4.1, H.265 7.4.2: an 0x03 after two zero bytes was inserted by the encoder).
    /// H.265's profile flags are mostly zero, so an SPS does carry them: `00 00 03 00`.
    static func unescaped(_ unit: [UInt8], limit: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(limit)
        var zeros = 0
        for byte in unit {
            guard out.count < limit else { break }
            if zeros >= 2, byte == 3 {
                zeros = 0
                continue
            }
            zeros = byte == 0 ? zeros + 1 : 0
            out.append(byte)
        }
        return out
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}

private extension UInt32 {
    var bitReversed: UInt32 {
        var value = self
        var result: UInt32 = 0
        for _ in 0..<32 {
            result = result << 1 | (value & 1)
            value >>= 1
        }
        return result
    }
}
