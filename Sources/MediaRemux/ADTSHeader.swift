/// The fixed part of an ADTS header (ISO/IEC 13818-7 6.2 / 14496-3 1.A.2). libavcodec's AAC parser
/// splits frames but leaves sample rate and channels to the decoder, which a remuxer never runs,
/// so FieldRelay reads them here.
struct ADTSHeader: Equatable {
    static let sampleRates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]

    /// MPEG-4 audio object type (ADTS profile + 1): 2 is AAC-LC.
    var objectType: Int
    var sampleRateIndex: Int
    var channelConfiguration: Int
    var frameLength: Int
    var rawDataBlocks: Int

    init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count >= 7 else { return nil }
        let b = Array(bytes.prefix(7))
        guard b[0] == 0xFF, b[1] & 0xF6 == 0xF0 else { return nil }  // syncword, layer 0
        objectType = Int(b[2] >> 6) + 1
        sampleRateIndex = Int(b[2] >> 2) & 0x0F
        channelConfiguration = Int(b[2] & 0x01) << 2 | Int(b[3] >> 6)
        frameLength = Int(b[3] & 0x03) << 11 | Int(b[4]) << 3 | Int(b[5] >> 5)
        rawDataBlocks = Int(b[6] & 0x03) + 1
        guard sampleRateIndex < Self.sampleRates.count, frameLength >= 7 else { return nil }
    }

    var sampleRate: Int { Self.sampleRates[sampleRateIndex] }
    var samples: Int { 1024 * rawDataBlocks }

    /// AudioSpecificConfig (14496-3 1.6.2.1): object type, sampling frequency index, channels.
    var audioSpecificConfig: [UInt8] {
        [UInt8(objectType << 3 | sampleRateIndex >> 1), UInt8((sampleRateIndex & 1) << 7 | channelConfiguration << 3)]
    }
}
