// libFuzzer target: the MPEG-TS demuxer (PAT/PMT with CRC, PES reassembly, continuity, resync) on
// arbitrary bytes, fed in chunks whose sizes come from the input itself, as SRT would deliver them.
// Built by scripts/faults/fuzz.sh (Tests/Fuzz/Package.swift) against MediaRemux.

import MediaRemux

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let demuxer = TransportStreamDemuxer()
    var offset = 0
    var packets = 0
    while offset < size {
        // Chunk sizes 1...1316 chosen by the input: the demuxer must not care how bytes arrive.
        let chunk = 1 + Int(bytes[offset]) * 5 % 1316
        let end = min(size, offset + chunk)
        demuxer.feed(UnsafeRawBufferPointer(rebasing: bytes[offset..<end])) { event in
            if case .packet(let packet) = event {
                packets += 1
                precondition(packet.pts.map { $0 >= 0 && $0 < (1 << 33) } ?? true, "PTS outside 33 bits")
            }
        }
        offset = end
    }
    demuxer.flush { _ in }
    _ = packets
    return 0
}
