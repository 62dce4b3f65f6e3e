import MediaTypes

/// What FieldRelay reads from an H.264 or H.265 sequence parameter set: the picture size (the
/// fMP4 muxer needs it before the first picture) and how many pictures may come before one that
/// precedes them in presentation order (the reorder depth), from which decode times are rebuilt
/// when the transport carries presentation times only (RTP: RFC 6184 5.1, RFC 7798 4.1).
///
/// Pure Swift over untrusted bytes: a set too short for its fields, or with fields out of the
/// specs' ranges, gives nil.
public struct SequenceParameterSet: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// max_num_reorder_frames (H.264 E.2.1) or sps_max_num_reorder_pics of the highest sub-layer
    /// (H.265 7.4.3.2.1); nil when an H.264 SPS does not say (no bitstream_restriction).
    public var reorderDepth: Int?

    /// Parses an SPS NAL unit (header included, emulation prevention bytes as sent).
    public static func parse(_ nal: [UInt8], codec: Codec) -> SequenceParameterSet? {
        let payload = CodecString.unescaped(nal, limit: 4096)
        do {
            switch codec {
            case .h264: return try h264(payload)
            case .hevc: return try hevc(payload)
            case .aac, .opus: return nil
            }
        } catch {
            return nil
        }
    }

    /// H.264 7.3.2.1.1 and the VUI of E.1.1, as far as bitstream_restriction.
    static func h264(_ payload: [UInt8]) throws(BitReader.Overrun) -> SequenceParameterSet? {
        guard payload.count >= 4, payload[0] & 0x1F == 7 else { return nil }
        var reader = BitReader(Array(payload.dropFirst()))
        let profile = try reader.bits(8)
        let constraints = try reader.bits(8)
        try reader.skip(8)                            // level_idc
        guard try reader.unsignedGolomb() <= 31 else { return nil }   // seq_parameter_set_id
        var chromaFormat = 1
        var separateColourPlanes = false
        if [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].contains(profile) {
            chromaFormat = try reader.unsignedGolomb()
            guard chromaFormat <= 3 else { return nil }
            if chromaFormat == 3 { separateColourPlanes = try reader.bit() == 1 }
            _ = try reader.unsignedGolomb()           // bit_depth_luma_minus8
            _ = try reader.unsignedGolomb()           // bit_depth_chroma_minus8
            try reader.skip(1)                        // qpprime_y_zero_transform_bypass_flag
            if try reader.bit() == 1 {                // seq_scaling_matrix_present_flag
                for list in 0..<(chromaFormat == 3 ? 12 : 8) {
                    if try reader.bit() == 1 { try skipScalingList(&reader, size: list < 6 ? 16 : 64) }
                }
            }
        }
        _ = try reader.unsignedGolomb()               // log2_max_frame_num_minus4
        let pocType = try reader.unsignedGolomb()
        if pocType == 0 {
            _ = try reader.unsignedGolomb()           // log2_max_pic_order_cnt_lsb_minus4
        } else if pocType == 1 {
            try reader.skip(1)                        // delta_pic_order_always_zero_flag
            _ = try reader.signedGolomb()             // offset_for_non_ref_pic
            _ = try reader.signedGolomb()             // offset_for_top_to_bottom_field
            let cycle = try reader.unsignedGolomb()
            guard cycle <= 255 else { return nil }
            for _ in 0..<cycle { _ = try reader.signedGolomb() }
        } else if pocType != 2 {
            return nil
        }
        _ = try reader.unsignedGolomb()               // max_num_ref_frames
        try reader.skip(1)                            // gaps_in_frame_num_value_allowed_flag
        let widthInMacroblocks = try reader.unsignedGolomb() + 1
        let heightInMapUnits = try reader.unsignedGolomb() + 1
        let frameMacroblocksOnly = try reader.bit()
        if frameMacroblocksOnly == 0 { try reader.skip(1) }   // mb_adaptive_frame_field_flag
        try reader.skip(1)                            // direct_8x8_inference_flag
        var crop = (left: 0, right: 0, top: 0, bottom: 0)
        if try reader.bit() == 1 {
            crop = try (reader.unsignedGolomb(), reader.unsignedGolomb(), reader.unsignedGolomb(), reader.unsignedGolomb())
        }
        // Table 6-1 and 7.4.2.1.1: the crop is in chroma sample units.
        let monochrome = chromaFormat == 0 || separateColourPlanes
        let cropUnitX = monochrome ? 1 : (chromaFormat == 3 ? 1 : 2)
        let cropUnitY = (monochrome ? 1 : (chromaFormat == 1 ? 2 : 1)) * (2 - frameMacroblocksOnly)
        let width = widthInMacroblocks * 16 - cropUnitX * (crop.left + crop.right)
        let height = (2 - frameMacroblocksOnly) * heightInMapUnits * 16 - cropUnitY * (crop.top + crop.bottom)
        guard width > 0, height > 0, width <= 16384, height <= 16384 else { return nil }
        var reorder: Int?
        if try reader.bit() == 1 { reorder = try h264Reorder(&reader) }
        if reorder == nil {
            // Without bitstream_restriction: Baseline has no B slices; an intra profile
            // (constraint_set3 on 44, 86, 100, 110, 122, 244) reorders nothing (E.2.1).
            let intra = constraints & 0x10 != 0 && [44, 86, 100, 110, 122, 244].contains(profile)
            if profile == 66 || intra { reorder = 0 }
        }
        return SequenceParameterSet(width: width, height: height, reorderDepth: reorder)
    }

    /// The VUI (E.1.1) up to max_num_reorder_frames; nil without bitstream_restriction.
    private static func h264Reorder(_ reader: inout BitReader) throws(BitReader.Overrun) -> Int? {
        if try reader.bit() == 1 {                    // aspect_ratio_info_present_flag
            if try reader.bits(8) == 255 { try reader.skip(32) }   // Extended_SAR: sar_width, sar_height
        }
        if try reader.bit() == 1 { try reader.skip(1) }            // overscan
        if try reader.bit() == 1 {                    // video_signal_type_present_flag
            try reader.skip(4)
            if try reader.bit() == 1 { try reader.skip(24) }       // colour description
        }
        if try reader.bit() == 1 {                    // chroma_loc_info_present_flag
            _ = try reader.unsignedGolomb()
            _ = try reader.unsignedGolomb()
        }
        if try reader.bit() == 1 { try reader.skip(65) }           // timing info
        let nalHRD = try reader.bit() == 1
        if nalHRD { try skipHRD(&reader) }
        let vclHRD = try reader.bit() == 1
        if vclHRD { try skipHRD(&reader) }
        if nalHRD || vclHRD { try reader.skip(1) }    // low_delay_hrd_flag
        try reader.skip(1)                            // pic_struct_present_flag
        guard try reader.bit() == 1 else { return nil }
        try reader.skip(1)                            // motion_vectors_over_pic_boundaries_flag
        for _ in 0..<4 { _ = try reader.unsignedGolomb() }   // max_bytes_per_pic_denom ... log2_max_mv_length_vertical
        let reorder = try reader.unsignedGolomb()
        return reorder <= 16 ? reorder : nil
    }

    /// hrd_parameters() (E.1.2).
    private static func skipHRD(_ reader: inout BitReader) throws(BitReader.Overrun) {
        let count = try reader.unsignedGolomb() + 1
        guard count <= 32 else { throw BitReader.Overrun() }
        try reader.skip(8)
        for _ in 0..<count {
            _ = try reader.unsignedGolomb()
            _ = try reader.unsignedGolomb()
            try reader.skip(1)
        }
        try reader.skip(20)
    }

    /// scaling_list() (7.3.2.1.1.1): only walked, the values are not needed.
    private static func skipScalingList(_ reader: inout BitReader, size: Int) throws(BitReader.Overrun) {
        var last = 8
        var next = 8
        for _ in 0..<size {
            if next != 0 {
                let delta = try reader.signedGolomb()
                next = (last + delta + 256) % 256
            }
            last = next == 0 ? last : next
        }
    }

    /// H.265 7.3.2.2.1, with profile_tier_level of 7.3.3.
    static func hevc(_ payload: [UInt8]) throws(BitReader.Overrun) -> SequenceParameterSet? {
        guard payload.count >= 3, (payload[0] >> 1) & 0x3F == 33 else { return nil }
        var reader = BitReader(Array(payload.dropFirst(2)))
        try reader.skip(4)                            // sps_video_parameter_set_id
        let maxSubLayersMinus1 = try reader.bits(3)
        guard maxSubLayersMinus1 <= 6 else { return nil }
        try reader.skip(1)                            // sps_temporal_id_nesting_flag
        try reader.skip(96)                           // general profile, tier, flags, level
        var profilePresent: [Bool] = []
        var levelPresent: [Bool] = []
        for _ in 0..<maxSubLayersMinus1 {
            profilePresent.append(try reader.bit() == 1)
            levelPresent.append(try reader.bit() == 1)
        }
        if maxSubLayersMinus1 > 0 { try reader.skip(2 * (8 - maxSubLayersMinus1)) }   // reserved_zero_2bits
        for layer in 0..<maxSubLayersMinus1 {
            if profilePresent[layer] { try reader.skip(88) }
            if levelPresent[layer] { try reader.skip(8) }
        }
        guard try reader.unsignedGolomb() <= 15 else { return nil }   // sps_seq_parameter_set_id
        let chromaFormat = try reader.unsignedGolomb()
        guard chromaFormat <= 3 else { return nil }
        var separateColourPlanes = false
        if chromaFormat == 3 { separateColourPlanes = try reader.bit() == 1 }
        let lumaWidth = try reader.unsignedGolomb()
        let lumaHeight = try reader.unsignedGolomb()
        var window = (left: 0, right: 0, top: 0, bottom: 0)
        if try reader.bit() == 1 {
            window = try (reader.unsignedGolomb(), reader.unsignedGolomb(), reader.unsignedGolomb(), reader.unsignedGolomb())
        }
        // Table 6-1: SubWidthC and SubHeightC (1 for monochrome and 4:4:4 or separate planes).
        let chroma = separateColourPlanes ? 0 : chromaFormat
        let subWidth = chroma == 1 || chroma == 2 ? 2 : 1
        let subHeight = chroma == 1 ? 2 : 1
        let width = lumaWidth - subWidth * (window.left + window.right)
        let height = lumaHeight - subHeight * (window.top + window.bottom)
        guard width > 0, height > 0, width <= 16384, height <= 16384 else { return nil }
        _ = try reader.unsignedGolomb()               // bit_depth_luma_minus8
        _ = try reader.unsignedGolomb()               // bit_depth_chroma_minus8
        _ = try reader.unsignedGolomb()               // log2_max_pic_order_cnt_lsb_minus4
        let orderingForAll = try reader.bit() == 1
        var reorder = 0
        for _ in (orderingForAll ? 0 : maxSubLayersMinus1)...maxSubLayersMinus1 {
            _ = try reader.unsignedGolomb()           // sps_max_dec_pic_buffering_minus1
            reorder = try reader.unsignedGolomb()     // sps_max_num_reorder_pics: the last is the highest sub-layer's
            _ = try reader.unsignedGolomb()           // sps_max_latency_increase_plus1
        }
        return SequenceParameterSet(width: width, height: height, reorderDepth: reorder <= 16 ? reorder : nil)
    }
}
