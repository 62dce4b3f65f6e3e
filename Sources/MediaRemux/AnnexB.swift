import MediaTypes

/// H.264 and H.265 byte-stream forms. The gateway carries Annex B (start codes, parameter sets in
/// band), as MPEG-TS cameras send it; other sources hand over MP4's forms: a decoder configuration
/// record (avcC, ISO/IEC 14496-15 5.3.3.1; hvcC, 8.3.3.1) and NAL units prefixed by their length.
public enum AnnexB {
    static let startCode: [UInt8] = [0, 0, 0, 1]

    /// Codec configuration as Annex B parameter sets: kept if it already is Annex B, converted if
    /// it is an avcC/hvcC record. Also returns the NAL length size the record declares (the
    /// packets are then length-prefixed). Nil when the bytes are neither.
    public static func configuration(_ extradata: [UInt8], codec: Codec) -> (parameterSets: [UInt8], lengthSize: Int?)? {
        if hasStartCode(extradata) { return (extradata, nil) }
        switch codec {
        case .h264: return avcC(extradata)
        case .hevc: return hvcC(extradata)
        case .aac, .opus: return nil
        }
    }

    static func hasStartCode(_ bytes: [UInt8]) -> Bool {
        (bytes.count >= 3 && bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 1)
            || (bytes.count >= 4 && bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0 && bytes[3] == 1)
    }

    /// AVCDecoderConfigurationRecord: version 1, profile, compatibility, level, 6 reserved bits and
    /// lengthSizeMinusOne, 3 reserved bits and the SPS count, each SPS with a 16-bit length, the PPS
    /// count, each PPS with a 16-bit length (anything after, the High profile extension, is skipped).
    static func avcC(_ record: [UInt8]) -> (parameterSets: [UInt8], lengthSize: Int?)? {
        guard record.count >= 7, record[0] == 1 else { return nil }
        let lengthSize = Int(record[4] & 0x03) + 1
        guard lengthSize != 3 else { return nil }
        var out: [UInt8] = []
        var index = 5
        for countMask in [UInt8(0x1F), 0xFF] {
            guard index < record.count else { return nil }
            let count = Int(record[index] & countMask)
            index += 1
            for _ in 0..<count {
                guard let unit = lengthPrefixed(record, at: &index, size: 2) else { return nil }
                out += startCode + unit
            }
        }
        return out.isEmpty ? nil : (out, lengthSize)
    }

    /// HEVCDecoderConfigurationRecord: 22 bytes of profile, tier, level and format fields (the last
    /// two bits of byte 21 are lengthSizeMinusOne), the array count, then per array a byte with the
    /// NAL unit type, a 16-bit NAL unit count and each unit with a 16-bit length.
    static func hvcC(_ record: [UInt8]) -> (parameterSets: [UInt8], lengthSize: Int?)? {
        guard record.count >= 23, record[0] == 1 else { return nil }
        let lengthSize = Int(record[21] & 0x03) + 1
        guard lengthSize != 3 else { return nil }
        var out: [UInt8] = []
        var index = 23
        for _ in 0..<Int(record[22]) {
            guard index + 3 <= record.count else { return nil }
            let count = Int(record[index + 1]) << 8 | Int(record[index + 2])
            index += 3
            for _ in 0..<count {
                guard let unit = lengthPrefixed(record, at: &index, size: 2) else { return nil }
                out += startCode + unit
            }
        }
        return out.isEmpty ? nil : (out, lengthSize)
    }

    /// NAL units prefixed by a `lengthSize`-byte big-endian length, as Annex B. Nil when a length
    /// runs past the end (a damaged packet, or one that was Annex B after all).
    public static func fromLengthPrefixed(_ data: [UInt8], lengthSize: Int) -> [UInt8]? {
        guard (1...4).contains(lengthSize) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        var index = 0
        while index < data.count {
            guard let unit = lengthPrefixed(data, at: &index, size: lengthSize) else { return nil }
            out += startCode
            out += unit
        }
        return out
    }

    private static func lengthPrefixed(_ bytes: [UInt8], at index: inout Int, size: Int) -> ArraySlice<UInt8>? {
        guard index + size <= bytes.count else { return nil }
        var length = 0
        for offset in 0..<size { length = length << 8 | Int(bytes[index + offset]) }
        index += size
        guard length > 0, length <= bytes.count - index else { return nil }
        defer { index += length }
        return bytes[index..<(index + length)]
    }

    /// The parameter sets of `codec` in an Annex B stream (SPS and PPS; VPS, SPS and PPS for H.265),
    /// each with a 4-byte start code, in the order found.
    public static func parameterSets(in stream: [UInt8], codec: Codec) -> [UInt8] {
        var out: [UInt8] = []
        for unit in CodecString.nalUnits(stream) where isParameterSet(unit, codec: codec) {
            out += startCode + unit
        }
        return out
    }

    static func isParameterSet(_ unit: [UInt8], codec: Codec) -> Bool {
        guard let header = unit.first else { return false }
        switch codec {
        case .h264: return header & 0x1F == 7 || header & 0x1F == 8
        case .hevc: return (32...34).contains((header >> 1) & 0x3F)
        case .aac, .opus: return false
        }
    }

    /// The first SPS NAL unit in an Annex B stream.
    static func firstSPS(in stream: [UInt8], codec: Codec) -> [UInt8]? {
        CodecString.nalUnits(stream).first { unit in
            guard let header = unit.first else { return false }
            return codec == .h264 ? header & 0x1F == 7 : (header >> 1) & 0x3F == 33
        }
    }

    /// Whether an Annex B stream holds every kind of parameter set a decoder needs to start:
    /// SPS and PPS, and a VPS for H.265.
    static func isComplete(_ parameterSets: [UInt8], codec: Codec) -> Bool {
        var types = Set<UInt8>()
        for unit in CodecString.nalUnits(parameterSets) {
            guard let header = unit.first else { continue }
            types.insert(codec == .h264 ? header & 0x1F : (header >> 1) & 0x3F)
        }
        return codec == .h264 ? types.isSuperset(of: [7, 8]) : types.isSuperset(of: [32, 33, 34])
    }

    /// `unit` with `parameterSets` put in front of its first NAL unit, or after an access unit
    /// delimiter that leads it (H.264 7.4.1.2.3, H.265 7.4.2.4.4: the delimiter comes first, then
    /// the parameter sets, then the slices).
    public static func inserting(_ parameterSets: [UInt8], into unit: [UInt8], codec: Codec) -> [UInt8] {
        var insertAt = 0
        if let first = CodecString.nalUnits(Array(unit.prefix(64))).first, let header = first.first {
            let isDelimiter = codec == .h264 ? header & 0x1F == 9 : (header >> 1) & 0x3F == 35
            if isDelimiter {
                // The delimiter is a few bytes long: the next start code follows it closely.
                insertAt = nextStartCode(in: unit, after: 3) ?? unit.count
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(unit.count + parameterSets.count)
        out += unit[..<insertAt]
        out += parameterSets
        out += unit[insertAt...]
        return out
    }

    /// Where the start code after `index` begins (its leading zero included for `00 00 00 01`).
    private static func nextStartCode(in bytes: [UInt8], after index: Int) -> Int? {
        var position = index
        while position + 3 <= bytes.count {
            if bytes[position] == 0, bytes[position + 1] == 0, bytes[position + 2] == 1 {
                return position > 0 && bytes[position - 1] == 0 ? position - 1 : position
            }
            position += 1
        }
        return nil
    }
}
