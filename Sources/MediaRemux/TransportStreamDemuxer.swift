import MediaTypes

/// An MPEG-2 transport stream demuxer (ISO/IEC 13818-1) written for a non-blocking intake: it takes
/// bytes as they arrive (any chunking), never waits for more, and keeps only per-PID state, so
/// thousands of them can run on one receive loop. libavformat's demuxer wants blocking reads and a
/// thread each; see docs/architecture.md for the measurement behind this choice.
///
/// It parses the PAT and the first program's PMT (CRC-checked), reassembles PES packets of the
/// supported elementary streams, and reports continuity-counter gaps (2.4.3.3) without acting on
/// them: a gap inside one connection is a loss to log and count, not a discontinuity.
public final class TransportStreamDemuxer {
    /// A whole PES packet's payload with its timestamps (33-bit, still wrapped).
    public struct ElementaryPacket {
        public var pid: Int
        public var pts: Int64?
        public var dts: Int64?
        public var payload: [UInt8]
    }

    public enum Event {
        /// The program's supported elementary streams changed (first PMT, or a new PMT version
        /// that changes codecs or PIDs).
        case program([ProgramStream])
        case packet(ElementaryPacket)
    }

    public struct ProgramStream: Equatable, Sendable {
        public var pid: Int
        public var codec: Codec
    }

    public static let packetSize = 188
    static let syncByte: UInt8 = 0x47

    public private(set) var streams: [ProgramStream] = []
    public private(set) var continuityErrors = 0
    public private(set) var syncLosses = 0
    public private(set) var crcErrors = 0
    public private(set) var packetsParsed = 0
    /// Bytes that could not be placed in any packet (garbage, or resynchronisation).
    public private(set) var bytesDiscarded = 0
    /// Set once a valid PAT and PMT were seen: the input is recognisably MPEG-TS.
    public var hasProgram: Bool { !streams.isEmpty || sawProgramMap }
    /// Elementary streams the PMT announced that FieldRelay cannot remux (stream_type values).
    public private(set) var unsupportedStreamTypes: Set<Int> = []

    private var carry: [UInt8] = []
    private var pmtPID: Int?
    private var sawProgramMap = false
    private var pmtVersion: Int?
    private var sections: [Int: [UInt8]] = [:]
    private var pes: [Int: PESState] = [:]
    private var lastContinuity: [Int: UInt8] = [:]

    private struct PESState {
        var buffer: [UInt8] = []
        var active = false
    }

    public init() {
        carry.reserveCapacity(Self.packetSize)
    }

    /// Feeds bytes; events are delivered through `emit` in stream order.
    public func feed(_ bytes: UnsafeRawBufferPointer, emit: (Event) -> Void) {
        var input = bytes
        if !carry.isEmpty {
            // Complete the packet split over two reads.
            let needed = Self.packetSize - carry.count
            let take = min(needed, input.count)
            carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[0..<take]))
            input = UnsafeRawBufferPointer(rebasing: input[take...])
            guard carry.count == Self.packetSize else { return }
            let packet = carry
            carry.removeAll(keepingCapacity: true)
            if packet[0] == Self.syncByte {
                packet.withUnsafeBytes { parsePacket($0, emit: emit) }
            } else {
                // Should not happen (the carry starts on a sync byte); rescan the bytes.
                bytesDiscarded += packet.count
            }
        }
        var offset = 0
        let count = input.count
        while offset < count {
            if input[offset] != Self.syncByte {
                // Lost sync: skip to the next byte that looks like a packet start, confirmed by the
                // sync byte one packet later when that byte has arrived.
                syncLosses += 1
                var next = offset + 1
                while next < count {
                    if input[next] == Self.syncByte,
                       next + Self.packetSize >= count || input[next + Self.packetSize] == Self.syncByte {
                        break
                    }
                    next += 1
                }
                bytesDiscarded += next - offset
                offset = next
                continue
            }
            if offset + Self.packetSize > count {
                carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[offset..<count]))
                return
            }
            parsePacket(UnsafeRawBufferPointer(rebasing: input[offset..<(offset + Self.packetSize)]), emit: emit)
            offset += Self.packetSize
        }
    }

    /// Delivers the PES packets still being assembled (the publisher has gone).
    public func flush(emit: (Event) -> Void) {
        for pid in pes.keys.sorted() {
            completePES(pid: pid, emit: emit)
        }
    }

    // MARK: - Packets

    private func parsePacket(_ packet: UnsafeRawBufferPointer, emit: (Event) -> Void) {
        packetsParsed += 1
        let b1 = packet[1], b2 = packet[2], b3 = packet[3]
        if b1 & 0x80 != 0 { return }  // transport_error_indicator: the packet is known bad
        let unitStart = b1 & 0x40 != 0
        let pid = Int(b1 & 0x1F) << 8 | Int(b2)
        let adaptation = (b3 >> 4) & 0x3
        let continuity = b3 & 0x0F
        if pid == 0x1FFF { return }  // null packet

        var payloadStart = 4
        var discontinuityIndicated = false
        if adaptation == 2 || adaptation == 3 {
            let length = Int(packet[4])
            if length > 0 { discontinuityIndicated = packet[5] & 0x80 != 0 }
            payloadStart = 5 + length
            if adaptation == 2 || payloadStart > Self.packetSize { payloadStart = Self.packetSize }
        }
        let hasPayload = adaptation == 1 || adaptation == 3
        if hasPayload {
            // 2.4.3.3: the counter increments only in packets with payload; one duplicate is allowed.
            if let last = lastContinuity[pid], !discontinuityIndicated {
                if continuity == last {
                    return  // duplicate packet
                }
                if continuity != (last &+ 1) & 0x0F {
                    continuityErrors += 1
                }
            }
            lastContinuity[pid] = continuity
        }
        guard hasPayload, payloadStart < Self.packetSize else { return }
        let payload = UnsafeRawBufferPointer(rebasing: packet[payloadStart...])

        if pid == 0 || pid == pmtPID {
            section(pid: pid, unitStart: unitStart, payload: payload, emit: emit)
        } else if pes[pid] != nil {
            elementary(pid: pid, unitStart: unitStart, payload: payload, emit: emit)
        }
    }

    // MARK: - PSI

    private func section(pid: Int, unitStart: Bool, payload: UnsafeRawBufferPointer, emit: (Event) -> Void) {
        if unitStart {
            let pointer = Int(payload[0])
            guard 1 + pointer <= payload.count else { sections[pid] = nil; return }
            if pointer > 0, var pending = sections[pid] {
                // The bytes before the pointer finish the previous section.
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: payload[1..<(1 + pointer)]))
                sections[pid] = pending
                processSection(pid: pid, emit: emit)
            }
            sections[pid] = Array(UnsafeRawBufferPointer(rebasing: payload[(1 + pointer)...]))
        } else {
            guard sections[pid] != nil else { return }
            sections[pid]?.append(contentsOf: payload)
        }
        processSection(pid: pid, emit: emit)
    }

    private func processSection(pid: Int, emit: (Event) -> Void) {
        guard let buffer = sections[pid], buffer.count >= 3 else { return }
        if buffer[0] == 0xFF { sections[pid] = nil; return }  // stuffing
        let sectionLength = Int(buffer[1] & 0x0F) << 8 | Int(buffer[2])
        let total = 3 + sectionLength
        guard sectionLength <= 1021 else { sections[pid] = nil; return }  // 2.4.4.4: at most 1021
        guard buffer.count >= total else { return }
        sections[pid] = nil
        let section = Array(buffer[0..<total])
        guard total >= 12, CRC32MPEG.checksum(section) == 0 else {
            crcErrors += 1
            return
        }
        if pid == 0, section[0] == 0x00 {
            parsePAT(section)
        } else if pid == pmtPID, section[0] == 0x02 {
            parsePMT(section, emit: emit)
        }
    }

    private func parsePAT(_ section: [UInt8]) {
        var index = 8
        let end = section.count - 4
        while index + 4 <= end {
            let program = Int(section[index]) << 8 | Int(section[index + 1])
            let pid = Int(section[index + 2] & 0x1F) << 8 | Int(section[index + 3])
            index += 4
            if program != 0 {  // program 0 points at the network information table
                if pmtPID != pid {
                    pmtPID = pid
                    pmtVersion = nil
                }
                return
            }
        }
    }

    private func parsePMT(_ section: [UInt8], emit: (Event) -> Void) {
        let version = Int(section[5] >> 1) & 0x1F
        if version == pmtVersion { return }
        pmtVersion = version
        sawProgramMap = true
        let programInfoLength = Int(section[10] & 0x0F) << 8 | Int(section[11])
        var index = 12 + programInfoLength
        let end = section.count - 4
        var found: [ProgramStream] = []
        var unsupported: Set<Int> = []
        while index + 5 <= end {
            let streamType = Int(section[index])
            let pid = Int(section[index + 1] & 0x1F) << 8 | Int(section[index + 2])
            let infoLength = Int(section[index + 3] & 0x0F) << 8 | Int(section[index + 4])
            index += 5 + infoLength
            switch streamType {
            case 0x1B: found.append(ProgramStream(pid: pid, codec: .h264))
            case 0x24: found.append(ProgramStream(pid: pid, codec: .hevc))
            case 0x0F: found.append(ProgramStream(pid: pid, codec: .aac))
            default: unsupported.insert(streamType)
            }
        }
        unsupportedStreamTypes = unsupported
        guard found != streams else { return }
        // New program: drop half-assembled packets of streams that went away.
        let kept = Set(found.map(\.pid))
        for pid in pes.keys where !kept.contains(pid) { pes[pid] = nil }
        for stream in found where pes[stream.pid] == nil { pes[stream.pid] = PESState() }
        streams = found
        emit(.program(found))
    }

    // MARK: - PES

    private func elementary(pid: Int, unitStart: Bool, payload: UnsafeRawBufferPointer, emit: (Event) -> Void) {
        if unitStart {
            completePES(pid: pid, emit: emit)
            pes[pid]?.active = true
        }
        guard pes[pid]?.active == true else { return }  // joined mid-packet: wait for a start
        pes[pid]?.buffer.append(contentsOf: payload)
        // A PES with a declared length is complete as soon as it is all here (audio usually is):
        // no need to wait for the next start, which saves a frame of latency.
        if let buffer = pes[pid]?.buffer, buffer.count >= 6 {
            let declared = Int(buffer[4]) << 8 | Int(buffer[5])
            if declared > 0 && buffer.count >= 6 + declared {
                completePES(pid: pid, emit: emit)
            }
        }
    }

    private func completePES(pid: Int, emit: (Event) -> Void) {
        guard var state = pes[pid], state.active else { return }
        let buffer = state.buffer
        state.buffer.removeAll(keepingCapacity: true)
        state.active = false
        pes[pid] = state
        guard let packet = Self.parsePES(buffer, pid: pid) else { return }
        emit(.packet(packet))
    }

    static func parsePES(_ buffer: [UInt8], pid: Int) -> ElementaryPacket? {
        guard buffer.count >= 9, buffer[0] == 0, buffer[1] == 0, buffer[2] == 1 else { return nil }
        let declared = Int(buffer[4]) << 8 | Int(buffer[5])
        let flags = buffer[7]
        let headerLength = Int(buffer[8])
        let payloadStart = 9 + headerLength
        guard payloadStart <= buffer.count else { return nil }
        var pts: Int64?
        var dts: Int64?
        if flags & 0x80 != 0, headerLength >= 5 {
            pts = timestamp(buffer, at: 9)
            if flags & 0x40 != 0, headerLength >= 10 {
                dts = timestamp(buffer, at: 14)
            }
        }
        var end = buffer.count
        if declared > 0 { end = min(end, 6 + declared) }
        guard end > payloadStart else { return nil }
        return ElementaryPacket(pid: pid, pts: pts, dts: dts ?? pts, payload: Array(buffer[payloadStart..<end]))
    }

    /// A 33-bit PES timestamp (2.4.3.7), spread over five bytes with marker bits.
    static func timestamp(_ b: [UInt8], at i: Int) -> Int64 {
        let high = Int64(b[i] >> 1) & 0x07
        let mid = (Int64(b[i + 1]) << 7) | Int64(b[i + 2] >> 1)
        let low = (Int64(b[i + 3]) << 7) | Int64(b[i + 4] >> 1)
        return high << 30 | mid << 15 | low
    }
}
