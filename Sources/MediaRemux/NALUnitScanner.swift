import MediaTypes

/// Walks the NAL units of an Annex B access unit (start codes `00 00 01` / `00 00 00 01`).
/// Used to tell keyframes apart by NAL type and to collect parameter sets, per the codec specs:
/// H.264 (ITU-T H.264 7.4.1.2: type 5 is an IDR slice; 7, 8 are SPS, PPS) and H.265 (ITU-T H.265
/// 7.4.2.2: types 16-23 are IRAP pictures — BLA, IDR, CRA; 32, 33, 34 are VPS, SPS, PPS).
enum NALUnitScanner {
    struct Summary {
        var isKeyframe = false
        var parameterSets: [UInt8] = []
    }

    /// Reads NAL headers up to the first slice (VCL NAL unit) and stops there: parameter sets come
    /// before the first slice of an access unit (H.264 7.4.1.2.3, H.265 7.4.2.4.4) and every slice of
    /// a picture has the same IRAP/IDR class, so the slice data (nearly all of the bytes) is never
    /// walked.
    static func scan(_ data: UnsafeRawBufferPointer, codec: Codec) -> Summary {
        var summary = Summary()
        guard codec == .h264 || codec == .hevc else { return summary }
        var start = nextStartCode(in: data, from: 0)
        while let current = start, current.payload < data.count {
            let header = data[current.payload]
            let isSlice: Bool
            let isParameterSet: Bool
            if codec == .h264 {
                let type = header & 0x1F
                isSlice = (1...5).contains(type)
                if type == 5 { summary.isKeyframe = true }
                isParameterSet = type == 7 || type == 8
            } else {
                let type = (header >> 1) & 0x3F
                isSlice = type <= 31
                if (16...23).contains(type) { summary.isKeyframe = true }
                isParameterSet = (32...34).contains(type)
            }
            if isSlice { break }
            let next = nextStartCode(in: data, from: current.payload)
            if isParameterSet {
                let end = next?.codeStart ?? data.count
                if end > current.payload {
                    summary.parameterSets.append(contentsOf: [0, 0, 0, 1])
                    summary.parameterSets.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[current.payload..<end]))
                }
            }
            start = next
        }
        return summary
    }

    /// The next start code at or after `index`: where its NAL unit's header is (`payload`) and where
    /// the code itself begins (a zero before `00 00 01` belongs to it: `00 00 00 01`).
    private static func nextStartCode(in data: UnsafeRawBufferPointer, from index: Int) -> (payload: Int, codeStart: Int)? {
        var index = index
        let count = data.count
        while index + 3 <= count {
            if data[index + 2] > 1 {
                index += 3          // no start code can end at index+2, nor begin at index+1 or index+2 before it
            } else if data[index] == 0, data[index + 1] == 0, data[index + 2] == 1 {
                let codeStart = index > 0 && data[index - 1] == 0 ? index - 1 : index
                return (index + 3, codeStart)
            } else {
                index += 1
            }
        }
        return nil
    }
}
