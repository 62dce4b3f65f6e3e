/// Raw AAC frames and their configuration out of LOAS/LATM (ISO/IEC 14496-3 1.7): the framing of
/// AAC in MPEG-TS stream type 0x11 (DVB, some IP cameras), which libavformat hands over as it is.
/// (RTP's MP4A-LATM, RFC 6416, is unpacked by libavformat's depacketizer: raw frames, config in
/// the extradata.)
///
/// Supported: one program of one layer (every camera's case), audioMuxVersion 0 or 1 with
/// audioMuxVersionA 0, frameLengthType 0 (variable frame lengths), any number of sub-frames.
/// Everything is bounds-checked: a damaged frame is skipped, never trusted.
public struct LATMParser: Sendable {
    /// The last StreamMuxConfig's audio configuration (later frames may say "same as before").
    public private(set) var configuration: AudioSpecificConfig?
    private var sameTimeFraming = true
    private var subFrames = 1
    /// Frames skipped as damaged or unsupported, and the last reason.
    public private(set) var refused = 0
    public private(set) var lastRefusal: String?

    public init() {}

    /// The raw frames of every AudioSyncStream frame (sync word 0x2B7, 13-bit length) in `data`.
    public mutating func frames(in data: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var index = 0
        while index + 3 <= data.count {
            guard data[index] == 0x56, data[index + 1] & 0xE0 == 0xE0 else {
                index += 1       // resynchronise on the next sync word
                continue
            }
            let length = Int(data[index + 1] & 0x1F) << 8 | Int(data[index + 2])
            let start = index + 3
            guard length > 0, start + length <= data.count else {
                refuse("LOAS frame longer than the packet")
                break
            }
            out += audioMuxElement(Array(data[start..<(start + length)]))
            index = start + length
        }
        return out
    }

    private mutating func refuse(_ reason: String) {
        refused += 1
        lastRefusal = reason
    }

    /// AudioMuxElement(muxConfigPresent = 1) (1.7.3.1).
    mutating func audioMuxElement(_ bytes: [UInt8]) -> [[UInt8]] {
        var reader = BitReader(bytes)
        do {
            if try reader.bit() == 0 {          // useSameStreamMux
                try streamMuxConfig(&reader)
            }
            guard configuration != nil else {
                refuse("LATM frame before any StreamMuxConfig")
                return []
            }
            guard sameTimeFraming else {
                refuse("LATM without allStreamsSameTimeFraming is not supported")
                return []
            }
            var frames: [[UInt8]] = []
            for _ in 0..<subFrames {
                // PayloadLengthInfo (frameLengthType 0): bytes of 255 add up until one is less.
                var length = 0
                while true {
                    let part = try reader.bits(8)
                    length += part
                    if part != 255 { break }
                }
                // PayloadMux: the frame, not necessarily byte-aligned.
                guard length * 8 <= reader.bitsLeft else {
                    refuse("LATM payload longer than its frame")
                    return frames
                }
                var frame = [UInt8](repeating: 0, count: length)
                for byte in 0..<length { frame[byte] = UInt8(try reader.bits(8)) }
                if !frame.isEmpty { frames.append(frame) }
            }
            return frames
        } catch let refusal as AudioSpecificConfig.Refusal {
            refuse(refusal.description)
        } catch let refusal as LATMRefusal {
            refuse(refusal.reason)
        } catch {
            refuse("LATM frame too short")
        }
        return []
    }

    private struct LATMRefusal: Error {
        var reason: String
    }

    /// StreamMuxConfig() (1.7.3.1).
    private mutating func streamMuxConfig(_ reader: inout BitReader) throws {
        let version = try reader.bit()
        if version == 1 {
            guard try reader.bit() == 0 else { throw LATMRefusal(reason: "LATM audioMuxVersionA 1 is not supported") }
            _ = try latmValue(&reader)                    // taraBufferFullness
        }
        let sameTime = try reader.bit() == 1
        let subFrameCount = try reader.bits(6) + 1
        guard try reader.bits(4) == 0, try reader.bits(3) == 0 else {   // numProgram, numLayer
            throw LATMRefusal(reason: "LATM with more than one program or layer is not supported")
        }
        let config: AudioSpecificConfig
        if version == 0 {
            config = try AudioSpecificConfig.parse(&reader)
        } else {
            // The config's length in bits, then the config and fill bits up to that length.
            let bits = try latmValue(&reader)
            let start = reader.position
            guard bits <= reader.bitsLeft else { throw LATMRefusal(reason: "LATM AudioSpecificConfig longer than its frame") }
            config = try AudioSpecificConfig.parse(&reader)
            let used = reader.position - start
            guard used <= bits else { throw LATMRefusal(reason: "LATM AudioSpecificConfig longer than declared") }
            try reader.skip(bits - used)
        }
        guard try reader.bits(3) == 0 else {              // frameLengthType
            throw LATMRefusal(reason: "LATM with fixed or CELP/HVXC frame lengths is not supported")
        }
        try reader.skip(8)                                // latmBufferFullness
        if try reader.bit() == 1 {                        // otherDataPresent
            if version == 1 {
                _ = try latmValue(&reader)
            } else {
                while true {
                    let more = try reader.bit()
                    try reader.skip(8)
                    if more == 0 { break }
                }
            }
        }
        if try reader.bit() == 1 { try reader.skip(8) }   // crcCheckPresent, crcCheckSum
        configuration = config
        sameTimeFraming = sameTime
        subFrames = subFrameCount
    }

    /// LatmGetValue(): two bits of byte count less one, then that many bytes.
    private func latmValue(_ reader: inout BitReader) throws -> Int {
        let bytes = try reader.bits(2) + 1
        var value = 0
        for _ in 0..<bytes { value = value << 8 | (try reader.bits(8)) }
        return value
    }
}
