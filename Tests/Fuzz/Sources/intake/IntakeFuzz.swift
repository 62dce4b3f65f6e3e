// libFuzzer target: the MPEG-TS intake as an ingest session runs it, with libavcodec linked in:
// TransportStreamReader (demuxer -> libavcodec parsers -> access units, timestamps unwrapped past
// the 33-bit wrap, tracks learned) -> the TransportStreamMuxer and FragmentedMP4Muxer the HLS
// packagers write to, and the RFC 6381 codec strings read from the tracks' parameter sets.
// Built by scripts/faults/fuzz.sh (Tests/Fuzz/Package.swift) against MediaRemux and MediaTypes.
//
// Structure-aware input: the first 8 bytes are a control block, the rest a transport stream (the
// seeds are ffmpeg-made streams behind eight zero bytes, which leave them untouched):
//   c[0]  chunk sizes (as SRT would deliver them; 0 = 1316-byte datagrams)
//   c[1]  drop every c[1]-th 188-byte packet (0 = none)
//   c[2]  duplicate every c[2]-th packet (0 = none)
//   c[3]  from packet c[3] * 4 on, add an offset to every PES PTS/DTS (a timestamp jump) ...
//   c[4..7] ... of (signed 32-bit value) * 4096 ticks, taken modulo 2^33: jumps of either sign
//         of any size, and a wrap-around when the stream is near 2^33
// Arrival times advance 40 ms per chunk, so the reader's track-readiness timeout is reached too.

import Logging
import MediaRemux
import MediaTypes

private let quiet: Logger = {
    let logger = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
    // libavformat's log through the gateway's own bridge, into a logger that drops everything: the
    // muxers' warnings about bad timestamps are expected here (and the bridge gets fuzzed too).
    FFmpegLog.bridge(to: logger)
    return logger
}()

/// Adds `offset` (mod 2^33) to the PTS and DTS of a PES header starting in this 188-byte packet.
func shiftTimestamps(_ packet: inout ArraySlice<UInt8>, by offset: Int64) {
    let base = packet.startIndex
    guard packet.count == 188, packet[base] == 0x47, packet[base + 1] & 0x40 != 0 else { return }
    var start = base + 4
    let adaptation = (packet[base + 3] >> 4) & 0x3
    if adaptation == 2 { return }
    if adaptation == 3 { start += 1 + Int(packet[base + 4]) }
    guard start + 19 <= base + 188, packet[start] == 0, packet[start + 1] == 0, packet[start + 2] == 1 else { return }
    let flags = packet[start + 7] >> 6
    func shift(at index: Int) {
        var value = Int64(packet[index] >> 1 & 0x07) << 30
        value |= Int64(packet[index + 1]) << 22 | Int64(packet[index + 2] >> 1) << 15
        value |= Int64(packet[index + 3]) << 7 | Int64(packet[index + 4] >> 1)
        value = (value + offset) & ((1 << 33) - 1)
        packet[index] = packet[index] & 0xF1 | UInt8((value >> 29) & 0x0E)
        packet[index + 1] = UInt8((value >> 22) & 0xFF)
        packet[index + 2] = UInt8((value >> 14) & 0xFE) | 1
        packet[index + 3] = UInt8((value >> 7) & 0xFF)
        packet[index + 4] = UInt8((value << 1) & 0xFE) | 1
    }
    if flags & 0x2 != 0 { shift(at: start + 9) }
    if flags == 0x3 { shift(at: start + 14) }
}

/// The muxers as the packagers drive them: new tracks make new muxers; every access unit goes to
/// both; a fragment is flushed every few units, the transport stream drained.
final class Muxers {
    var ts: TransportStreamMuxer?
    var mp4: FragmentedMP4Muxer?
    var units = 0

    func tracks(_ tracks: [Track]) {
        ts = try? TransportStreamMuxer(tracks: tracks)
        mp4 = try? FragmentedMP4Muxer(tracks: tracks)
        precondition(mp4.map { !$0.initSection.isEmpty } ?? true)
    }

    func write(_ unit: AccessUnit) {
        units += 1
        do { try ts?.write(unit) } catch { ts = nil }
        do { try mp4?.write(unit) } catch { mp4 = nil }
        if units % 8 == 0 {
            _ = ts?.drain()
            do { _ = try mp4?.flushFragment() } catch { mp4 = nil }
        }
    }

    func finish() {
        _ = try? ts?.finish()
        _ = try? mp4?.flushFragment()
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 8 else { return 0 }
    let control = Array(UnsafeBufferPointer(start: data, count: 8))
    let input = UnsafeBufferPointer(start: data + 8, count: size - 8)
    let logger = quiet

    // Rebuild the stream with the control block's drops, duplicates and timestamp jump.
    var stream: [UInt8] = []
    stream.reserveCapacity(input.count + input.count / 4)
    let jumpFrom = Int(control[3]) * 4
    let rawJump = Int32(bitPattern: UInt32(control[4]) << 24 | UInt32(control[5]) << 16 | UInt32(control[6]) << 8 | UInt32(control[7]))
    let jump = Int64(rawJump) * 4096
    var packetIndex = 0
    var offset = 0
    while offset < input.count {
        let end = min(input.count, offset + 188)
        var packet = Array(input[offset..<end])[...]
        offset = end
        packetIndex += 1
        if control[1] > 1 && packetIndex % Int(control[1]) == 0 { continue }
        if jump != 0 && packetIndex >= jumpFrom { shiftTimestamps(&packet, by: jump) }
        stream.append(contentsOf: packet)
        if control[2] > 1 && packetIndex % Int(control[2]) == 0 { stream.append(contentsOf: packet) }
    }

    let reader = TransportStreamReader(logger: logger)
    let muxers = Muxers()
    var tracks: [Track] = []
    func handle(_ event: TransportStreamReader.Event) {
        switch event {
        case .tracks(let list):
            for (index, track) in list.enumerated() {
                precondition(track.index == index, "track indices not dense")
                // The codec string goes inside CODECS="...": it may never break the attribute list.
                if let codecs = CodecString.of(track) {
                    precondition(codecs.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: ",") },
                                 "codec string \(codecs)")
                }
            }
            tracks = list
            muxers.tracks(list)
        case .accessUnit(let unit):
            precondition(unit.track >= 0 && unit.track < tracks.count, "access unit for a track never published")
            precondition(unit.duration >= 0, "negative duration")
            muxers.write(unit)
        }
    }
    var arrival: UInt64 = 1_000_000_000
    var position = 0
    stream.withUnsafeBytes { bytes in
        while position < bytes.count {
            let chunk = control[0] == 0 ? 1316 : Int(control[0]) * 7
            let end = min(bytes.count, position + chunk)
            do {
                try reader.feed(UnsafeRawBufferPointer(rebasing: bytes[position..<end]), arrival: arrival, emit: handle)
            } catch {
                return
            }
            position = end
            arrival += 40_000_000
        }
        reader.flush(arrival: arrival, emit: handle)
    }
    muxers.finish()
    return 0
}
