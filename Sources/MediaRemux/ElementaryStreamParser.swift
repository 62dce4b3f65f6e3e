import CFFmpeg
import MediaTypes

/// Splits one elementary stream into access units with libavcodec's parser for its codec, and
/// learns the codec parameters the parser finds (picture size, sample rate, channels).
///
/// Video PES packets carry one picture each in practice (H.222.0 2.14 recommends it, and every
/// encoder we meet does it), so video is parsed with PARSER_FLAG_COMPLETE_FRAMES: the parser then
/// does not hold a picture back until the next one starts, which would add a frame of latency.
/// Audio PES packets usually carry several frames, which the AAC parser splits by ADTS header.
final class ElementaryStreamParser {
    // Not Sendable: owned by one TransportStreamReader, on one receive-loop thread.
    let codec: Codec
    private let parser: UnsafeMutablePointer<AVCodecParserContext>
    private let context: UnsafeMutablePointer<AVCodecContext>
    private var padded: [UInt8] = []

    init(codec: Codec) throws(MediaError) {
        self.codec = codec
        let id: AVCodecID
        switch codec {
        case .h264: id = AV_CODEC_ID_H264
        case .hevc: id = AV_CODEC_ID_HEVC
        case .aac: id = AV_CODEC_ID_AAC
        case .opus: id = AV_CODEC_ID_OPUS
        }
        guard let parser = av_parser_init(Int32(id.rawValue)) else {
            throw MediaError(.unsupportedCodec, "libavcodec has no parser for \(codec)")
        }
        guard let context = avcodec_alloc_context3(nil) else {
            av_parser_close(parser)
            throw MediaError(.outOfMemory, "avcodec_alloc_context3")
        }
        context.pointee.codec_id = id
        context.pointee.codec_type = codec.isVideo ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO
        if codec.isVideo {
            parser.pointee.flags |= PARSER_FLAG_COMPLETE_FRAMES
        }
        self.parser = parser
        self.context = context
    }

    deinit {
        av_parser_close(parser)
        var context: UnsafeMutablePointer<AVCodecContext>? = self.context
        avcodec_free_context(&context)
    }

    // The H.264/H.265 parsers report the picture size on the parser context (from the SPS).
    var width: Int? { parser.pointee.width > 0 ? Int(parser.pointee.width) : (context.pointee.width > 0 ? Int(context.pointee.width) : nil) }
    var height: Int? { parser.pointee.height > 0 ? Int(parser.pointee.height) : (context.pointee.height > 0 ? Int(context.pointee.height) : nil) }
    /// From the last ADTS header (AAC); libavcodec's AAC parser does not fill these in.
    private(set) var sampleRate: Int?
    private(set) var channels: Int?
    private(set) var audioSpecificConfig: [UInt8]?

    struct Frame {
        var data: [UInt8]
        var pts: Int64?
        var dts: Int64?
        /// Duration in 90 kHz ticks, when the parser knows it (audio).
        var duration: Int64?
    }

    /// Parses one PES payload; returns the complete access units found in it.
    func parse(_ payload: [UInt8], pts: Int64?, dts: Int64?) -> [Frame] {
        // libavcodec's parsers may read past the end: the input needs zeroed padding.
        let padding = Int(cffmpeg_input_padding())
        padded.removeAll(keepingCapacity: true)
        padded.append(contentsOf: payload)
        padded.append(contentsOf: repeatElement(0, count: padding))
        var frames: [Frame] = []
        let nopts = cffmpeg_nopts()
        var inPTS = pts ?? nopts
        var inDTS = dts ?? nopts
        padded.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            let size = payload.count
            while offset < size {
                var out: UnsafeMutablePointer<UInt8>?
                var outSize: Int32 = 0
                let used = av_parser_parse2(parser, context, &out, &outSize, base + offset, Int32(size - offset),
                                            inPTS, inDTS, 0)
                // Only the first call carries this PES's timestamps (as libavformat's demuxer does).
                inPTS = nopts
                inDTS = nopts
                if used <= 0 && outSize == 0 { break }
                offset += Int(max(used, 0))
                if let out, outSize > 0 {
                    frames.append(makeFrame(out, Int(outSize)))
                }
            }
        }
        return frames
    }

    private func makeFrame(_ bytes: UnsafeMutablePointer<UInt8>, _ count: Int) -> Frame {
        let nopts = cffmpeg_nopts()
        let pts = parser.pointee.pts == nopts ? nil : parser.pointee.pts
        let dts = parser.pointee.dts == nopts ? nil : parser.pointee.dts
        var duration: Int64?
        let data = Array(UnsafeBufferPointer(start: bytes, count: count))
        if codec == .aac, let header = ADTSHeader(data) {
            sampleRate = header.sampleRate
            channels = header.channelConfiguration > 0 ? header.channelConfiguration : nil
            audioSpecificConfig = header.audioSpecificConfig
            duration = Int64(header.samples) * AccessUnit.clockRate / Int64(header.sampleRate)
        }
        return Frame(data: data, pts: pts, dts: dts, duration: duration)
    }
}
