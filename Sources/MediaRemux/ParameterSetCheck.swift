import CFFmpeg
import MediaTypes

/// Asks libavcodec's decoder whether a video track's parameter sets (SPS, PPS, and VPS for H.265)
/// parse, before libavformat's MP4 muxer builds its avcC/hvcC box from them.
///
/// libavformat's own reader of those sets is lax: in the Debian 12 build (libavformat 59) an H.265
/// SPS whose short-term reference picture sets start after its last bit passes its size check,
/// because a negative "bits left" is compared as unsigned, and it then loops about four billion
/// times inside `avformat_write_header` — one crafted keyframe from a publisher would hang a
/// receive loop and every camera on it (found by the `intake` fuzzer). The decoder's parser checks
/// every field and refuses a set it read past the end of ("Overread SPS"), so whatever it accepts
/// is safe for the muxer's lighter reading.
enum ParameterSetCheck {
    /// Throws when libavcodec refuses the track's Annex B parameter sets; audio passes unchecked.
    static func verify(_ track: Track) throws(MediaError) {
        guard track.codec.isVideo, let extradata = track.extradata, !extradata.isEmpty else { return }
        let id = track.codec == .h264 ? AV_CODEC_ID_H264 : AV_CODEC_ID_HEVC
        guard let decoder = avcodec_find_decoder(id) else { throw MediaError(.unsupportedCodec, "no \(track.codec) decoder in libavcodec") }
        guard let context = avcodec_alloc_context3(decoder) else { throw MediaError(.outOfMemory, "avcodec_alloc_context3") }
        defer {
            var pointer: UnsafeMutablePointer<AVCodecContext>? = context
            avcodec_free_context(&pointer)
        }
        let padding = Int(cffmpeg_input_padding())
        guard let buffer = av_mallocz(extradata.count + padding)?.assumingMemoryBound(to: UInt8.self) else {
            throw MediaError(.outOfMemory, "extradata")
        }
        buffer.update(from: extradata, count: extradata.count)
        context.pointee.extradata = buffer        // freed with the context
        context.pointee.extradata_size = Int32(extradata.count)
        context.pointee.thread_count = 1
        // Explode: without it the decoder logs a set it cannot parse and opens anyway.
        context.pointee.err_recognition = AV_EF_EXPLODE
        let opened = avcodec_open2(context, decoder, nil)
        guard opened >= 0 else {
            throw MediaError(.unsupportedCodec, "\(track.codec) parameter sets refused by libavcodec (\(MediaError.av(opened, "avcodec_open2").message))")
        }
    }
}
