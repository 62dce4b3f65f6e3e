extension TransportStreamClip {
    /// One pass over the packets: PAT (to tell tables from PES), PCRs, PES timestamps and the
    /// continuity counter range of every PID.
    struct Scan {
        var pmtPIDs: Set<Int> = []
        var pcrPID: Int?
        var pcrSamples: [(packet: Int, clock: Int64)] = []
        var videoPID: Int?
        var videoDecodeSamples: [(packet: Int, clock: Int64)] = []
        /// PTS values per PES PID, in file order.
        var presentationTimes: [Int: [Int64]] = [:]
        var continuity: [Int: (first: UInt8, last: UInt8)] = [:]
        var patches: [Patch] = []
        var unpatchable = 0
        /// Packets that start a PES packet (an access unit, or a few audio frames), in file order.
        var unitStarts: [Int] = []

        /// Stream ids whose PES header has no PTS/DTS fields (ISO/IEC 13818-1 table 2-22).
        static let streamIDsWithoutHeader: Set<UInt8> = [0xBC, 0xBE, 0xBF, 0xF0, 0xF1, 0xF2, 0xF8, 0xFF]

        mutating func run(_ bytes: [UInt8], packetCount: Int) {
            let size = TransportStreamClip.packetSize
            for index in 0..<packetCount {
                let p = index * size
                let pid = (Int(bytes[p + 1] & 0x1F) << 8) | Int(bytes[p + 2])
                guard pid != 0x1FFF else { continue }
                let unitStart = bytes[p + 1] & 0x40 != 0
                let control = (bytes[p + 3] >> 4) & 0x03
                var payload = p + 4
                if control & 0x02 != 0 {
                    let length = Int(bytes[p + 4])
                    // PCR flag; the PCR is 6 bytes after the adaptation field's flags byte.
                    if length >= 7 && bytes[p + 5] & 0x10 != 0 {
                        if pcrPID == nil { pcrPID = pid }
                        patches.append(Patch(position: p + 6, kind: .pcr, isVideoStart: false))
                        if pcrPID == pid {
                            let base = bytes.withUnsafeBytes { TransportStreamClip.readPCRBase($0, p + 6) }
                            let ext = (Int64(bytes[p + 10] & 0x01) << 8) | Int64(bytes[p + 11])
                            pcrSamples.append((index, base * 300 + ext))
                        }
                    }
                    payload += 1 + length
                }
                guard control & 0x01 != 0, payload < p + size else { continue }
                let counter = bytes[p + 3] & 0x0F
                if let range = continuity[pid] {
                    continuity[pid] = (range.first, counter)
                } else {
                    continuity[pid] = (counter, counter)
                }
                if pid == 0 && unitStart {
                    readPAT(bytes, payload: payload, end: p + size)
                    continue
                }
                guard unitStart, !pmtPIDs.contains(pid) else { continue }
                readPESHeader(bytes, pid: pid, index: index, payload: payload, end: p + size)
            }
        }

        private mutating func readPAT(_ bytes: [UInt8], payload: Int, end: Int) {
            let table = payload + 1 + Int(bytes[payload])
            guard table + 8 <= end, bytes[table] == 0x00 else { return }
            let sectionLength = (Int(bytes[table + 1] & 0x0F) << 8) | Int(bytes[table + 2])
            // Program entries run from after the 8-byte header to before the CRC.
            var entry = table + 8
            let entriesEnd = min(end, table + 3 + sectionLength - 4)
            while entry + 4 <= entriesEnd {
                let program = (Int(bytes[entry]) << 8) | Int(bytes[entry + 1])
                let pid = (Int(bytes[entry + 2] & 0x1F) << 8) | Int(bytes[entry + 3])
                if program != 0 { pmtPIDs.insert(pid) }
                entry += 4
            }
        }

        private mutating func readPESHeader(_ bytes: [UInt8], pid: Int, index: Int, payload: Int, end: Int) {
            guard payload + 9 <= end, bytes[payload] == 0, bytes[payload + 1] == 0, bytes[payload + 2] == 1 else { return }
            let streamID = bytes[payload + 3]
            unitStarts.append(index)
            guard !Self.streamIDsWithoutHeader.contains(streamID) else { return }
            let flags = bytes[payload + 7] >> 6
            guard flags & 0x02 != 0 else { return }
            let isVideo = (0xE0...0xEF).contains(streamID)
            if isVideo && videoPID == nil { videoPID = pid }
            let ptsAt = payload + 9
            guard ptsAt + 5 <= end, flags != 0x03 || ptsAt + 10 <= end else {
                unpatchable += 1
                return
            }
            let pts = bytes.withUnsafeBytes { TransportStreamClip.readTimestamp($0, ptsAt) }
            patches.append(Patch(position: ptsAt, kind: .pts, isVideoStart: isVideo && pid == videoPID))
            presentationTimes[pid, default: []].append(pts)
            var dts = pts
            if flags == 0x03 {
                patches.append(Patch(position: ptsAt + 5, kind: .dts, isVideoStart: false))
                dts = bytes.withUnsafeBytes { TransportStreamClip.readTimestamp($0, ptsAt + 5) }
            }
            if pid == videoPID { videoDecodeSamples.append((index, dts)) }
        }
    }
}
