import CFFmpeg
import MediaTypes

/// Writes access units into an MPEG-TS byte stream in memory with libavformat's MPEG-TS muxer,
/// without transcoding. One muxer makes one HLS segment: a fresh muxer writes PAT and PMT first,
/// so every segment can be decoded on its own (RFC 8216 3.2).
public final class TransportStreamMuxer {
    // Not Sendable: one segment being written, on one thread.
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private let output: MemoryOutput
    private let packet: UnsafeMutablePointer<AVPacket>
    private let trackCount: Int
    private var finished = false
    /// av_write_trailer may only follow a successful avformat_write_header.
    private var headerWritten = false

    public init(tracks: [Track]) throws(MediaError) {
        guard !tracks.isEmpty else { throw MediaError(.unsupportedCodec, "no tracks to mux") }
        output = try MemoryOutput()
        guard let packet = av_packet_alloc() else { throw MediaError(.outOfMemory, "av_packet_alloc") }
        self.packet = packet
        trackCount = tracks.count
        var format: UnsafeMutablePointer<AVFormatContext>?
        let result = avformat_alloc_output_context2(&format, nil, "mpegts", nil)
        guard result >= 0, let format else {
            throw MediaError.av(result, "avformat_alloc_output_context2(mpegts)")
        }
        self.format = format
        format.pointee.pb = output.context
        format.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        for track in tracks {
            guard let stream = avformat_new_stream(format, nil) else {
                throw MediaError(.outOfMemory, "avformat_new_stream")
            }
            stream.pointee.time_base = AVRational(num: 1, den: Int32(AccessUnit.clockRate))
            guard let parameters = stream.pointee.codecpar else {
                throw MediaError(.outOfMemory, "stream without codec parameters")
            }
            switch track.codec {
            case .h264:
                parameters.pointee.codec_type = AVMEDIA_TYPE_VIDEO
                parameters.pointee.codec_id = AV_CODEC_ID_H264
            case .hevc:
                parameters.pointee.codec_type = AVMEDIA_TYPE_VIDEO
                parameters.pointee.codec_id = AV_CODEC_ID_HEVC
            case .aac:
                parameters.pointee.codec_type = AVMEDIA_TYPE_AUDIO
                parameters.pointee.codec_id = AV_CODEC_ID_AAC
            case .opus:
                throw MediaError(.unsupportedCodec, "Opus is not carried in MPEG-TS segments")
            }
            if let width = track.width, let height = track.height {
                parameters.pointee.width = Int32(width)
                parameters.pointee.height = Int32(height)
            }
            if let rate = track.sampleRate { parameters.pointee.sample_rate = Int32(rate) }
            if let channels = track.channels { av_channel_layout_default(&parameters.pointee.ch_layout, Int32(channels)) }
        }
        var options: OpaquePointer?
        // Timestamps go out as they came in: no shifting to zero, so segments line up on one timeline.
        av_dict_set(&options, "avoid_negative_ts", "disabled", 0)
        let header = avformat_write_header(format, &options)
        av_dict_free(&options)
        guard header >= 0 else {
            throw MediaError.av(header, "avformat_write_header(mpegts)")
        }
        headerWritten = true
    }

    deinit {
        var packet: UnsafeMutablePointer<AVPacket>? = self.packet
        av_packet_free(&packet)
        if let format {
            if headerWritten && !finished { av_write_trailer(format) }
            avformat_free_context(format)
        }
    }

    public func write(_ unit: AccessUnit) throws(MediaError) {
        guard let format, !finished else { throw MediaError(.library, "muxer already finished") }
        guard unit.track >= 0, unit.track < trackCount else { throw MediaError(.library, "no track \(unit.track)") }
        av_packet_unref(packet)
        let allocated = av_new_packet(packet, Int32(unit.data.count))
        guard allocated >= 0 else { throw MediaError.av(allocated, "av_new_packet") }
        unit.data.withUnsafeBytes { source in
            if let base = source.baseAddress { packet.pointee.data.update(from: base.assumingMemoryBound(to: UInt8.self), count: source.count) }
        }
        packet.pointee.stream_index = Int32(unit.track)
        packet.pointee.pts = unit.pts
        packet.pointee.dts = unit.dts
        packet.pointee.duration = unit.duration
        if unit.isKeyframe { packet.pointee.flags |= AV_PKT_FLAG_KEY }
        // The muxer's time base may differ from 90 kHz only if libavformat changed it; rescale to be sure.
        if let stream = format.pointee.streams[Int(unit.track)] {
            av_packet_rescale_ts(packet, AVRational(num: 1, den: Int32(AccessUnit.clockRate)), stream.pointee.time_base)
        }
        let result = av_write_frame(format, packet)
        av_packet_unref(packet)
        guard result >= 0 else { throw MediaError.av(result, "av_write_frame") }
    }

    /// Hands over the transport stream written so far (whole 188-byte packets), for a continuous
    /// stream such as an SRT reader's, where there is no segment end to wait for.
    public func drain() -> [UInt8] {
        output.take()
    }

    /// Writes the trailer and returns the whole transport stream.
    public func finish() throws(MediaError) -> [UInt8] {
        guard let format, !finished else { throw MediaError(.library, "muxer already finished") }
        finished = true
        let result = av_write_trailer(format)
        guard result >= 0 else { throw MediaError.av(result, "av_write_trailer") }
        return output.take()
    }
}
