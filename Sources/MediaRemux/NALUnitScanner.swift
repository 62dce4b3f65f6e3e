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

    static func scan(_ data: UnsafeRawBufferPointer, codec: Codec) -> Summary {
        var summary = Summary()
        let count = data.count
        var index = 0
        var starts: [(payload: Int, codeStart: Int)] = []
        while index + 3 <= count {
            if data[index] == 0, data[index + 1] == 0, data[index + 2] == 1 {
                let codeStart = index > 0 && data[index - 1] == 0 ? index - 1 : index
                starts.append((index + 3, codeStart))
                index += 3
            } else {
                index += 1
            }
        }
        for (position, start) in starts.enumerated() {
            guard start.payload < count else { continue }
            let header = data[start.payload]
            let end = position + 1 < starts.count ? starts[position + 1].codeStart : count
            let isParameterSet: Bool
            switch codec {
            case .h264:
                let type = header & 0x1F
                if type == 5 { summary.isKeyframe = true }
                isParameterSet = type == 7 || type == 8
            case .hevc:
                let type = (header >> 1) & 0x3F
                if (16...23).contains(type) { summary.isKeyframe = true }
                isParameterSet = (32...34).contains(type)
            default:
                isParameterSet = false
            }
            if isParameterSet, end > start.payload {
                summary.parameterSets.append(contentsOf: [0, 0, 0, 1])
                summary.parameterSets.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[start.payload..<end]))
            }
        }
        return summary
    }
}
