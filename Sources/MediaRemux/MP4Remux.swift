import CFFmpeg
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `MP4Remux.remux` wrote.
public struct MP4RemuxSummary: Sendable, Equatable {
    /// Seconds from the earliest presentation time to the latest end of a packet, over all streams.
    public let duration: Double
    /// Packets written (all streams).
    public let packets: Int
    /// Streams copied (video and audio; others are left out).
    public let streams: Int
}

/// Remuxes a recording span into one plain MP4 that any player opens (issue 14's convenience copy
/// beside the evidence package): libavformat's MP4 demuxer reads the fragmented input (an init
/// section, then moof + mdat fragments), every video and audio stream is copied packet by packet
/// (never decoded or transcoded), and the MP4 muxer writes it with `faststart` (moov before mdat,
/// so playback starts before the whole file has arrived).
public enum MP4Remux {
    /// Packets held back at the start until every stream has shown its first timestamp (see
    /// `RemuxSession.shifts`). Each of a recording's fragments carries every track, so the first
    /// fragment normally settles it; this only bounds a stream that never delivers a packet.
    static let lookahead = 1000

    /// Remuxes `input` into a new file `output` (which must not exist). Timestamps are shifted so
    /// that the earliest stream's first decode time is 0 (recordings carry absolute decode times);
    /// pts and dts of a stream move by the same amount, so B-frame reordering stays as it was.
    /// On any failure everything is closed and freed and `output` is removed.
    public static func remux(input: String, output: String) throws(MediaError) -> MP4RemuxSummary {
        // The output is removed on failure: never one that was there before.
        guard access(output, F_OK) != 0 else { throw MediaError(.library, "\(output) already exists; the remux writes a new file") }
        let session = RemuxSession(inputPath: input, outputPath: output)
        do throws(MediaError) {
            return try session.run()
        } catch {
            session.close()
            if session.createdOutput { unlink(output) }
            throw error
        }
    }
}

/// The libavformat contexts and packets of one remux; `close()` (or deinit) frees whatever exists.
final class RemuxSession {
    // Not Sendable: one remux, one thread.
    let inputPath: String
    let outputPath: String
    private var input: UnsafeMutablePointer<AVFormatContext>?
    private var output: UnsafeMutablePointer<AVFormatContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    /// Packets read before the timestamp shift was known (owned here until written).
    private var pending: [UnsafeMutablePointer<AVPacket>] = []
    private(set) var createdOutput = false

    /// Per output stream: the input stream's time base, and the shift once known.
    private var timeBases: [AVRational] = []
    private var shifts: [Int64]?
    private var written = 0
    /// The last DTS written per output stream, in its time base.
    private var lastDTS: [Int: Int64] = [:]
    private var earliestStart = Double.infinity
    private var latestEnd = -Double.infinity

    init(inputPath: String, outputPath: String) {
        self.inputPath = inputPath
        self.outputPath = outputPath
    }

    deinit { close() }

    func close() {
        for held in pending { av_packet_free_safe(held) }
        pending.removeAll()
        if let packet {
            av_packet_free_safe(packet)
            self.packet = nil
        }
        if input != nil { avformat_close_input(&input) }
        if let output {
            // Without av_write_trailer on failure: the file is removed anyway. avformat_free_context
            // runs the muxer's deinit, which frees its private state.
            if output.pointee.pb != nil { avio_closep(&output.pointee.pb) }
            avformat_free_context(output)
            self.output = nil
        }
    }

    func run() throws(MediaError) -> MP4RemuxSummary {
        let input = try openInput()
        let (output, mapping) = try openOutput(for: input)
        guard let packet = av_packet_alloc() else { throw MediaError(.outOfMemory, "av_packet_alloc") }
        self.packet = packet
        let eof = cffmpeg_averror_eof()
        let noTimestamp = cffmpeg_nopts()
        var firstDTS = [Int64?](repeating: nil, count: timeBases.count)
        while true {
            let result = av_read_frame(input, packet)
            if result == eof { break }
            guard result >= 0 else { throw notMP4(result, "cannot read a packet") }
            let index = Int(packet.pointee.stream_index)
            guard index >= 0, index < mapping.count, let target = mapping[index] else {
                av_packet_unref(packet)
                continue
            }
            packet.pointee.stream_index = Int32(target)
            if shifts != nil {
                try write(packet, to: output)
                continue
            }
            let time = packet.pointee.dts != noTimestamp ? packet.pointee.dts : packet.pointee.pts
            if firstDTS[target] == nil, time != noTimestamp { firstDTS[target] = time }
            guard let held = av_packet_alloc() else { throw MediaError(.outOfMemory, "av_packet_alloc") }
            av_packet_move_ref(held, packet)
            pending.append(held)
            let settled = firstDTS.allSatisfy { $0 != nil } && unknownFrameSizes(of: output).allSatisfy { packetStep(of: $0) != nil }
            if settled || pending.count >= MP4Remux.lookahead {
                try writePending(firstDTS, to: output)
            }
        }
        guard !pending.isEmpty || shifts != nil else {
            throw MediaError(.notMP4, "\(inputPath): no media samples to remux (an init section without fragments?)")
        }
        if shifts == nil { try writePending(firstDTS, to: output) }
        let trailer = av_write_trailer(output)
        guard trailer >= 0 else { throw located(MediaError.av(trailer, "av_write_trailer(mp4)"), outputPath) }
        let closed = avio_closep(&output.pointee.pb)
        guard closed >= 0 else { throw located(MediaError.av(closed, "avio_closep"), outputPath) }
        return MP4RemuxSummary(duration: latestEnd > earliestStart ? latestEnd - earliestStart : 0, packets: written, streams: timeBases.count)
    }

    private func openInput() throws(MediaError) -> UnsafeMutablePointer<AVFormatContext> {
        // The MP4 demuxer by name, not probing: a damaged recording is an MP4 error, not a guess
        // at some other format that happens to score on its first bytes.
        guard let demuxer = av_find_input_format("mp4") else { throw MediaError(.library, "libavformat has no MP4 demuxer") }
        var context: UnsafeMutablePointer<AVFormatContext>?
        // On failure avformat_open_input frees the context and leaves the pointer nil.
        let opened = avformat_open_input(&context, inputPath, demuxer, nil)
        guard opened >= 0, let context else { throw notMP4(opened, "cannot open") }
        input = context
        return context
    }

    /// The MP4 muxer on `outputPath`, with one stream per video or audio input stream (parameters
    /// copied: nothing is decoded); returns it and the input → output stream mapping.
    private func openOutput(for input: UnsafeMutablePointer<AVFormatContext>) throws(MediaError)
        -> (UnsafeMutablePointer<AVFormatContext>, [Int?]) {
        var context: UnsafeMutablePointer<AVFormatContext>?
        // The file name goes in too: faststart reopens the file by it to move the moov forward.
        let allocated = avformat_alloc_output_context2(&context, nil, "mp4", outputPath)
        guard allocated >= 0, let context else { throw MediaError.av(allocated, "avformat_alloc_output_context2(mp4)") }
        output = context
        var mapping = [Int?](repeating: nil, count: Int(input.pointee.nb_streams))
        for index in mapping.indices {
            guard let stream = input.pointee.streams[index], let source = stream.pointee.codecpar else { continue }
            let type = source.pointee.codec_type
            guard type == AVMEDIA_TYPE_VIDEO || type == AVMEDIA_TYPE_AUDIO else { continue }
            guard let copy = avformat_new_stream(context, nil), let parameters = copy.pointee.codecpar else {
                throw MediaError(.outOfMemory, "avformat_new_stream")
            }
            let copied = avcodec_parameters_copy(parameters, source)
            guard copied >= 0 else { throw MediaError.av(copied, "avcodec_parameters_copy") }
            // Keep the sample entry's tag (hvc1 stays hvc1, which Apple players need, not hev1)
            // unless the MP4 muxer's table maps it to another codec: then let it choose (as
            // ffmpeg's stream copy does).
            var keepTag = true
            if let tags = context.pointee.oformat.pointee.codec_tag {
                var known: UInt32 = 0
                keepTag = av_codec_get_id(tags, source.pointee.codec_tag) == source.pointee.codec_id
                    || av_codec_get_tag2(tags, source.pointee.codec_id, &known) == 0
            }
            parameters.pointee.codec_tag = keepTag ? source.pointee.codec_tag : 0
            // A hint: the muxer may pick its own timescale in avformat_write_header.
            copy.pointee.time_base = stream.pointee.time_base
            av_dict_copy(&copy.pointee.metadata, stream.pointee.metadata, 0)
            mapping[index] = Int(copy.pointee.index)
            timeBases.append(stream.pointee.time_base)
        }
        guard !timeBases.isEmpty else { throw MediaError(.notMP4, "\(inputPath): no video or audio stream to copy") }
        if context.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
            let opened = avio_open(&context.pointee.pb, outputPath, AVIO_FLAG_WRITE)
            guard opened >= 0 else { throw located(MediaError.av(opened, "avio_open"), outputPath) }
            createdOutput = true
        }
        return (context, mapping)
    }

    /// Writes the header once the first packets are known, then the packets held so far, with the
    /// shift settled from the first decode times seen.
    private func writePending(_ firstDTS: [Int64?], to output: UnsafeMutablePointer<AVFormatContext>) throws(MediaError) {
        for index in unknownFrameSizes(of: output) {
            guard let parameters = output.pointee.streams[index]?.pointee.codecpar, let step = packetStep(of: index) else { continue }
            let samples = av_rescale_q(step, timeBases[index], AVRational(num: 1, den: parameters.pointee.sample_rate))
            if samples > 0, samples <= Int64(Int32.max) { parameters.pointee.frame_size = Int32(samples) }
        }
        var options: OpaquePointer?
        av_dict_set(&options, "movflags", "+faststart", 0)
        let header = avformat_write_header(output, &options)
        av_dict_free(&options)
        guard header >= 0 else { throw located(MediaError.av(header, "avformat_write_header(mp4)"), outputPath) }
        shifts = Self.shifts(firstDTS: firstDTS, timeBases: timeBases.map { ($0.num, $0.den) })
        while !pending.isEmpty {
            let held = pending.removeFirst()
            defer { av_packet_free_safe(held) }
            try write(held, to: output)
        }
    }

    /// The audio streams whose frame size (samples per packet) is unknown. The MP4 sample entry
    /// does not carry it, and the demuxer leaves it (and so the packets' durations) 0 without
    /// decoding, which avformat_find_stream_info would do. The MP4 muxer wants it: without it the
    /// last packet of the track has no duration and the muxer warns.
    private func unknownFrameSizes(of output: UnsafeMutablePointer<AVFormatContext>) -> [Int] {
        timeBases.indices.filter { index in
            guard let parameters = output.pointee.streams[index]?.pointee.codecpar else { return false }
            return parameters.pointee.codec_type == AVMEDIA_TYPE_AUDIO && parameters.pointee.frame_size == 0
                && parameters.pointee.sample_rate > 0
        }
    }

    /// The DTS step between the held packets of output stream `index`: the smallest positive one
    /// among its first three, as the first step of an AAC stream can be longer (encoder priming).
    private func packetStep(of index: Int) -> Int64? {
        let noTimestamp = cffmpeg_nopts()
        let times = pending.lazy.filter { Int($0.pointee.stream_index) == index && $0.pointee.dts != noTimestamp }.prefix(3).map(\.pointee.dts)
        let steps = zip(times, times.dropFirst()).map { $1 - $0 }.filter { $0 > 0 }
        return Array(times).count == 3 ? steps.min() : nil
    }

    /// Per stream, the amount to subtract: the earliest stream's first DTS, exactly, in its own
    /// time base (so it starts at 0), and the same instant in each other stream's time base,
    /// rounded down, so that none of their timestamps becomes negative.
    static func shifts(firstDTS: [Int64?], timeBases: [(num: Int32, den: Int32)]) -> [Int64] {
        let timeBases = timeBases.map { AVRational(num: $0.num, den: $0.den) }
        var earliest: Int?
        for (index, time) in firstDTS.enumerated() {
            guard let time else { continue }
            if let current = earliest, let currentTime = firstDTS[current],
               av_compare_ts(time, timeBases[index], currentTime, timeBases[current]) >= 0 {
                continue
            }
            earliest = index
        }
        guard let earliest, let base = firstDTS[earliest] else { return Array(repeating: 0, count: timeBases.count) }
        return timeBases.indices.map { index in
            index == earliest ? base : av_rescale_q_rnd(base, timeBases[earliest], timeBases[index], AV_ROUND_DOWN)
        }
    }

    /// Shifts `packet` (pts and dts alike), rescales it to the output stream's time base and hands
    /// it to the interleaving muxer, which takes its data (the packet is blank afterwards).
    private func write(_ packet: UnsafeMutablePointer<AVPacket>, to output: UnsafeMutablePointer<AVFormatContext>) throws(MediaError) {
        let index = Int(packet.pointee.stream_index)
        guard let shifts, index >= 0, index < shifts.count, let stream = output.pointee.streams[index] else {
            av_packet_unref(packet)
            return
        }
        let noTimestamp = cffmpeg_nopts()
        let shift = shifts[index]
        // The demuxer gives audio packets no duration (see unknownFrameSizes): one frame each.
        if packet.pointee.duration <= 0, let parameters = stream.pointee.codecpar, parameters.pointee.codec_type == AVMEDIA_TYPE_AUDIO,
           parameters.pointee.frame_size > 0, parameters.pointee.sample_rate > 0 {
            packet.pointee.duration = av_rescale_q(Int64(parameters.pointee.frame_size),
                                                   AVRational(num: 1, den: parameters.pointee.sample_rate), timeBases[index])
        }
        if packet.pointee.pts != noTimestamp { packet.pointee.pts -= shift }
        if packet.pointee.dts != noTimestamp { packet.pointee.dts -= shift }
        let start = packet.pointee.pts != noTimestamp ? packet.pointee.pts : packet.pointee.dts
        if start != noTimestamp {
            let timeBase = timeBases[index]
            let seconds = Double(timeBase.num) / Double(timeBase.den)
            earliestStart = min(earliestStart, Double(start) * seconds)
            latestEnd = max(latestEnd, Double(start + max(0, packet.pointee.duration)) * seconds)
        }
        av_packet_rescale_ts(packet, timeBases[index], stream.pointee.time_base)
        // Two decode times a tick apart in the recording can round to the same tick of the MP4
        // muxer's time base (audio: 1/sample rate), which the muxer refuses as non-monotonic. Like
        // ffmpeg's own remux, such a DTS moves one tick on (never a picture dropped), and a PTS
        // never comes before its DTS.
        if packet.pointee.dts != noTimestamp {
            if let last = lastDTS[index], packet.pointee.dts <= last { packet.pointee.dts = last + 1 }
            if packet.pointee.pts != noTimestamp, packet.pointee.pts < packet.pointee.dts { packet.pointee.pts = packet.pointee.dts }
            lastDTS[index] = packet.pointee.dts
        }
        packet.pointee.pos = -1
        let result = av_interleaved_write_frame(output, packet)
        guard result >= 0 else { throw located(MediaError.av(result, "av_interleaved_write_frame(mp4)"), outputPath) }
        written += 1
    }

    private func notMP4(_ result: Int32, _ what: String) -> MediaError {
        MediaError(.notMP4, "\(inputPath): \(what) as MP4: \(MediaError.av(result, "libavformat").message)")
    }

    private func located(_ error: MediaError, _ path: String) -> MediaError {
        MediaError(error.code, "\(path): \(error.message)")
    }
}
