/// An MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1), as far as the gateway needs it to
/// frame raw AAC as ADTS: what the MPEG-TS intake hands on (AAC arrives from SRT in ADTS, and the
/// classic packager's MPEG-TS segments carry it so). RTSP cameras send raw frames with this
/// configuration in the SDP (RFC 3640 `config=`, or inside RFC 6416's StreamMuxConfig).
///
/// Only the AAC object types ADTS can name (Main, LC, SSR, LTP: profile = type - 1) are framed;
/// HE-AAC's explicit signalling (types 5 and 29) is read through to its core type, which ADTS
/// carries with SBR and PS found implicitly by the decoder, as every HE-AAC ADTS stream does.
public struct AudioSpecificConfig: Sendable, Equatable {
    /// The core object type: 1 Main, 2 LC, 3 SSR, 4 LTP.
    public var objectType: Int
    /// Index into ADTSHeader.sampleRates (of the core sample rate).
    public var sampleRateIndex: Int
    public var channelConfiguration: Int
    /// 960-sample frames (frameLengthFlag); ADTS has no way to say so.
    public var shortFrames: Bool

    public var sampleRate: Int { ADTSHeader.sampleRates[sampleRateIndex] }
    /// Channels of channelConfiguration (14496-3 Table 1.19): 7 is 7.1, eight channels.
    public var channels: Int { channelConfiguration == 7 ? 8 : channelConfiguration }
    public var samplesPerFrame: Int { shortFrames ? 960 : 1024 }

    /// Why a configuration cannot be framed as ADTS, in words for an operator.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    public init(objectType: Int, sampleRateIndex: Int, channelConfiguration: Int, shortFrames: Bool = false) {
        self.objectType = objectType
        self.sampleRateIndex = sampleRateIndex
        self.channelConfiguration = channelConfiguration
        self.shortFrames = shortFrames
    }

    public static func parse(_ bytes: [UInt8]) throws(Refusal) -> AudioSpecificConfig {
        var reader = BitReader(bytes)
        return try parse(&reader)
    }

    /// Reads the config from `reader` and leaves it after the GASpecificConfig (LATM's
    /// StreamMuxConfig of version 0 carries it in place, with no length).
    static func parse(_ reader: inout BitReader) throws(Refusal) -> AudioSpecificConfig {
        do {
            var type = try objectType(&reader)
            let index = try sampleRateIndex(&reader)
            let channels = try reader.bits(4)
            if type == 5 || type == 29 {
                // Explicit hierarchical SBR (and PS): the extension rate, then the core type.
                _ = try sampleRateIndex(&reader)
                type = try objectType(&reader)
            }
            guard (1...4).contains(type) else {
                throw Refusal(description: "AAC object type \(type) cannot be framed as ADTS for HLS (only Main, LC, SSR and LTP)")
            }
            guard let known = index else {
                throw Refusal(description: "AAC at a sample rate outside the standard table cannot be framed as ADTS")
            }
            guard channels > 0 else {
                throw Refusal(description: "AAC with its channels in a program config element (channelConfiguration 0) is not supported")
            }
            // GASpecificConfig (4.4.1): frameLengthFlag, dependsOnCoreCoder (+ coreCoderDelay),
            // extensionFlag (0 for these object types).
            let shortFrames = try reader.bit() == 1
            if try reader.bit() == 1 { try reader.skip(14) }
            _ = try reader.bit()
            return AudioSpecificConfig(objectType: type, sampleRateIndex: known, channelConfiguration: channels, shortFrames: shortFrames)
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            throw Refusal(description: "AudioSpecificConfig too short")
        }
    }

    private static func objectType(_ reader: inout BitReader) throws(BitReader.Overrun) -> Int {
        let type = try reader.bits(5)
        return type == 31 ? 32 + (try reader.bits(6)) : type
    }

    /// The index into the standard table, also for a rate written out (escape 15) that is in it;
    /// nil for a rate that is not.
    private static func sampleRateIndex(_ reader: inout BitReader) throws(BitReader.Overrun) -> Int? {
        let index = try reader.bits(4)
        if index == 15 { return ADTSHeader.sampleRates.firstIndex(of: try reader.bits(24)) }
        return index < ADTSHeader.sampleRates.count ? index : nil
    }

    /// The two-byte config of the core stream: what the MPEG-TS intake puts in `Track.extradata`
    /// (read back from ADTS), so tracks look the same whichever way they arrived.
    public var coreConfiguration: [UInt8] {
        [UInt8(objectType << 3 | sampleRateIndex >> 1),
         UInt8((sampleRateIndex & 1) << 7 | channelConfiguration << 3 | (shortFrames ? 0x04 : 0))]
    }

    /// The largest raw frame one ADTS header can carry (a 13-bit length that includes the header).
    public static let maxADTSPayload = 8191 - 7

    /// A 7-byte ADTS header (no CRC) for one raw frame of `payloadLength` bytes (13818-7 6.2.1:
    /// syncword, MPEG-4, layer 0, protection absent, profile, sampling index, channels, frame
    /// length with the header, buffer fullness 0x7FF meaning variable rate, one raw data block).
    /// Nil when the frame is too long for the 13-bit length.
    public func adtsHeader(payloadLength: Int) -> [UInt8]? {
        let length = payloadLength + 7
        guard payloadLength >= 0, length <= 8191 else { return nil }
        return [
            0xFF, 0xF1,
            UInt8((objectType - 1) << 6 | sampleRateIndex << 2 | channelConfiguration >> 2),
            UInt8((channelConfiguration & 0x3) << 6 | length >> 11),
            UInt8((length >> 3) & 0xFF),
            UInt8((length & 0x7) << 5 | 0x1F),
            0xFC,
        ]
    }
}
