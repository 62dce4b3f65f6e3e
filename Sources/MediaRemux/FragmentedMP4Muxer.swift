import CFFmpeg
import MediaTypes

/// Writes access units as fragmented MP4 (CMAF) in memory with libavformat's MP4 muxer: an init
/// section (ftyp + moov), then one fragment (moof + mdat) per `flushFragment()` — a Low-Latency
/// HLS part. Never transcodes: H.264 and H.265 arrive in Annex B and libavformat rewrites them to
/// length-prefixed NAL units; AAC loses its ADTS header (MP4 carries AudioSpecificConfig in moov).
public final class FragmentedMP4Muxer {
    // Not Sendable: one packager, one thread at a time (under the packager's lock).
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private let output: MemoryOutput
    private let packet: UnsafeMutablePointer<AVPacket>
    private let tracks: [Track]
    /// The last DTS written per stream, in the stream's own time base (see `write`).
    private var lastDTS: [Int64?]
    /// ftyp + moov: the EXT-X-MAP of every segment made by this muxer.
    public let initSection: [UInt8]

    /// `absoluteDecodeTimes`: each track's first `tfdt` is its first DTS (`frag_discont`), not 0,
    /// so the fragments of consecutive muxers over one timeline continue each other's decode
    /// times (recording files cut every few minutes play across the cut as one timeline).
    public init(tracks: [Track], absoluteDecodeTimes: Bool = false) throws(MediaError) {
        guard !tracks.isEmpty else { throw MediaError(.unsupportedCodec, "no tracks to mux") }
        self.tracks = tracks
        lastDTS = Array(repeating: nil, count: tracks.count)
        output = try MemoryOutput()
        guard let packet = av_packet_alloc() else { throw MediaError(.outOfMemory, "av_packet_alloc") }
        self.packet = packet
        var format: UnsafeMutablePointer<AVFormatContext>?
        let result = avformat_alloc_output_context2(&format, nil, "mp4", nil)
        guard result >= 0, let format else {
            av_packet_free_safe(packet)
            throw MediaError.av(result, "avformat_alloc_output_context2(mp4)")
        }
        self.format = format
        // Until initSection is set this object is not fully initialized, so a throw below would not
        // run deinit: free the context and packet here, or every refused track list leaks them.
        var section: [UInt8] = []
        do throws(MediaError) {
            format.pointee.pb = output.context
            format.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
            for track in tracks {
                guard let stream = avformat_new_stream(format, nil), let parameters = stream.pointee.codecpar else {
                    throw MediaError(.outOfMemory, "avformat_new_stream")
                }
                stream.pointee.time_base = AVRational(num: 1, den: Int32(AccessUnit.clockRate))
                switch track.codec {
                case .h264, .hevc:
                    parameters.pointee.codec_type = AVMEDIA_TYPE_VIDEO
                    parameters.pointee.codec_id = track.codec == .h264 ? AV_CODEC_ID_H264 : AV_CODEC_ID_HEVC
                    if track.codec == .hevc {
                        // 'hvc1' (parameter sets only in the sample entry) is what Apple's players accept.
                        parameters.pointee.codec_tag = Self.fourCC("hvc1")
                    }
                    guard let width = track.width, let height = track.height else {
                        throw MediaError(.unsupportedCodec, "\(track.codec) track without a known picture size")
                    }
                    parameters.pointee.width = Int32(width)
                    parameters.pointee.height = Int32(height)
                case .aac, .opus:
                    parameters.pointee.codec_type = AVMEDIA_TYPE_AUDIO
                    parameters.pointee.codec_id = track.codec == .aac ? AV_CODEC_ID_AAC : AV_CODEC_ID_OPUS
                    guard let rate = track.sampleRate else {
                        throw MediaError(.unsupportedCodec, "\(track.codec) track without a known sample rate")
                    }
                    parameters.pointee.sample_rate = Int32(rate)
                    av_channel_layout_default(&parameters.pointee.ch_layout, Int32(track.channels ?? 2))
                    parameters.pointee.frame_size = track.codec == .aac ? 1024 : 960
                }
                // The codec configuration must be known before the moov is written: Annex B parameter
                // sets (libavformat builds avcC/hvcC from them) or the AudioSpecificConfig.
                guard let extradata = track.extradata, !extradata.isEmpty else {
                    throw MediaError(.unsupportedCodec, "\(track.codec) track without codec configuration")
                }
                try ParameterSetCheck.verify(track)
                let padding = Int(cffmpeg_input_padding())
                guard let buffer = av_mallocz(extradata.count + padding)?.assumingMemoryBound(to: UInt8.self) else {
                    throw MediaError(.outOfMemory, "extradata")
                }
                buffer.update(from: extradata, count: extradata.count)
                parameters.pointee.extradata = buffer
                parameters.pointee.extradata_size = Int32(extradata.count)
            }
            var options: OpaquePointer?
            // empty_moov: the init section carries no samples; frag_custom: a fragment ends only when we
            // flush (at each part boundary); default_base_moof: offsets relative to each moof (CMAF).
            av_dict_set(&options, "movflags", "frag_custom+empty_moov+default_base_moof+omit_tfhd_offset"
                        + (absoluteDecodeTimes ? "+frag_discont" : ""), 0)
            av_dict_set(&options, "avoid_negative_ts", "disabled", 0)
            let header = avformat_write_header(format, &options)
            av_dict_free(&options)
            guard header >= 0 else { throw MediaError.av(header, "avformat_write_header(mp4)") }
            section = output.take()
            guard !section.isEmpty else { throw MediaError(.library, "the MP4 muxer wrote no init section") }
        } catch {
            avformat_free_context(format)
            av_packet_free_safe(packet)
            throw error
        }
        initSection = section
    }

    deinit {
        av_packet_free_safe(packet)
        if let format {
            avformat_free_context(format)
        }
    }

    public func write(_ unit: AccessUnit) throws(MediaError) {
        guard let format else { throw MediaError(.library, "muxer closed") }
        guard unit.track >= 0, unit.track < tracks.count else { throw MediaError(.library, "no track \(unit.track)") }
        var payload = unit.data[...]
        if tracks[unit.track].codec == .aac, let header = Self.adtsHeaderLength(unit.data) {
            payload = unit.data[header...]
        }
        av_packet_unref(packet)
        let allocated = av_new_packet(packet, Int32(payload.count))
        guard allocated >= 0 else { throw MediaError.av(allocated, "av_new_packet") }
        payload.withUnsafeBytes { source in
            if let base = source.baseAddress, source.count > 0 {
                packet.pointee.data.update(from: base.assumingMemoryBound(to: UInt8.self), count: source.count)
            }
        }
        packet.pointee.stream_index = Int32(unit.track)
        packet.pointee.pts = unit.pts
        packet.pointee.dts = unit.dts
        // Every packet carries its duration so the muxer need not guess a fragment's last sample.
        packet.pointee.duration = max(1, unit.duration)
        if unit.isKeyframe { packet.pointee.flags |= AV_PKT_FLAG_KEY }
        if let stream = format.pointee.streams[Int(unit.track)] {
            av_packet_rescale_ts(packet, AVRational(num: 1, den: Int32(AccessUnit.clockRate)), stream.pointee.time_base)
        }
        // Two DTS less than one tick of the stream's time base apart (an audio track at 44.1 kHz
        // has one tick per ~2 of the 90 kHz clock) round to the same value, which the muxer refuses
        // for the whole packet. Move the later one on by a tick: far below a frame's duration.
        if let last = lastDTS[Int(unit.track)], packet.pointee.dts <= last {
            packet.pointee.dts = last + 1
            if packet.pointee.pts < packet.pointee.dts { packet.pointee.pts = packet.pointee.dts }
        }
        lastDTS[Int(unit.track)] = packet.pointee.dts
        let result = av_write_frame(format, packet)
        av_packet_unref(packet)
        guard result >= 0 else { throw MediaError.av(result, "av_write_frame(mp4)") }
    }

    /// Ends the current fragment and returns it (moof + mdat); empty when nothing was written.
    public func flushFragment() throws(MediaError) -> [UInt8] {
        guard let format else { throw MediaError(.library, "muxer closed") }
        let result = av_write_frame(format, nil)
        guard result >= 0 else { throw MediaError.av(result, "av_write_frame(mp4, flush)") }
        return output.take()
    }

    /// The length of an ADTS header at the start of `frame` (7 bytes, 9 with CRC), if there is one.
    static func adtsHeaderLength(_ frame: [UInt8]) -> Int? {
        guard frame.count >= 7, frame[0] == 0xFF, frame[1] & 0xF0 == 0xF0 else { return nil }
        // protection_absent 0: a CRC follows the 7 header bytes. A frame shorter than its own header
        // (found by the intake fuzzer: it reached unit.data[9...] on 8 bytes, a trap) is not ADTS.
        let length = frame[1] & 0x01 == 0 ? 9 : 7
        return frame.count >= length ? length : nil
    }

    static func fourCC(_ text: String) -> UInt32 {
        let bytes = Array(text.utf8)
        return UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
    }
}

func av_packet_free_safe(_ packet: UnsafeMutablePointer<AVPacket>) {
    var pointer: UnsafeMutablePointer<AVPacket>? = packet
    av_packet_free(&pointer)
}
