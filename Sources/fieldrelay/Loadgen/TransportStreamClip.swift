import Foundation

/// An MPEG-TS file read once into memory and shared, never copied, by every simulated publisher:
/// the messages to send (seven 188-byte packets each, the SRT live-mode payload), when each is due
/// relative to the start of a loop, and where every timestamp and continuity counter sits so that a
/// later loop can be rewritten on the fly in a sender's scratch buffer.
///
/// Pacing comes from the PCR (interpolated between PCR packets, as a hardware multiplexer would send
/// them), or, in a file without PCR, from the decoding timestamps of the first video stream.
final class TransportStreamClip: Sendable {
    static let packetSize = 188
    static let packetsPerMessage = 7
    static let messageSize = packetSize * packetsPerMessage
    static let timestampMask: Int64 = (1 << 33) - 1

    struct Message: Sendable {
        /// Byte offset of the first packet in `bytes`.
        var offset: Int
        var length: Int
        /// Nanoseconds after the start of a loop at which the message is due.
        var due: UInt64
        /// The message's timestamp fields: `patches[patchStart..<patchEnd]`.
        var patchStart: Int
        var patchEnd: Int
    }

    struct Patch: Sendable {
        enum Kind: UInt8, Sendable { case pcr, pts, dts }
        /// Byte offset of the field in `bytes` (5 bytes for PTS/DTS, 6 for PCR).
        var position: Int
        var kind: Kind
        /// A PTS that starts a PES packet of the first video stream (what a send log records).
        var isVideoStart: Bool
    }

    let bytes: [UInt8]
    let messages: [Message]
    let patches: [Patch]
    /// How much each PID's continuity counter advances over one loop (index: PID).
    let continuityAdvance: [UInt8]
    /// One loop in 90 kHz ticks: added to every PCR, PTS and DTS per loop.
    let loopTicks: Int64
    /// One loop in wall-clock nanoseconds (the same length as `loopTicks`).
    let loopNanoseconds: UInt64
    let videoPID: Int?
    /// What the pacing was derived from, for the start-up line.
    let clockSource: String
    /// Timestamp fields that straddle a packet boundary and so cannot be rewritten (expected 0).
    let unpatchableHeaders: Int

    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    /// How messages are spread over time.
    enum Pacing: String, Sendable, CaseIterable {
        /// Every message at its own PCR time, evenly between PCRs: a hardware encoder's smooth output.
        case pcr
        /// Every message of a PES packet at the time its PES starts: bursts per access unit, as
        /// `ffmpeg -re -c copy` sends. Receivers wake less often, so they cost less per packet.
        case burst
    }

    convenience init(contentsOf path: String, pacing: Pacing = .pcr) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw LoadError(description: "cannot read \(path): \(error.localizedDescription)")
        }
        try self.init(bytes: [UInt8](data), name: path, pacing: pacing)
    }

    init(bytes input: [UInt8], name: String, pacing: Pacing = .pcr) throws {
        let size = Self.packetSize
        // Start at the first sync byte that begins a run of packets (a capture may start mid-packet).
        var start = 0
        while start + size <= input.count {
            if input[start] == 0x47 && (start + size >= input.count || input[start + size] == 0x47) { break }
            start += 1
        }
        var packetCount = 0
        while start + (packetCount + 1) * size <= input.count && input[start + packetCount * size] == 0x47 {
            packetCount += 1
        }
        guard packetCount >= Self.packetsPerMessage else {
            throw LoadError(description: "\(name) is not MPEG-TS (188-byte packets starting with 0x47)")
        }
        let bytes = Array(input[start..<(start + packetCount * size)])

        var scan = Scan()
        scan.run(bytes, packetCount: packetCount)

        // Pacing: a 27 MHz clock per packet.
        let samples: [(packet: Int, clock: Int64)]
        let source: String
        if scan.pcrSamples.count >= 2 {
            samples = Self.unwrap(scan.pcrSamples, period: (1 << 33) * 300)
            source = "PCR of PID \(scan.pcrPID ?? 0)"
        } else if scan.videoDecodeSamples.count >= 2 {
            samples = Self.unwrap(scan.videoDecodeSamples, period: 1 << 33).map { ($0.packet, $0.clock * 300) }
            source = "DTS of video PID \(scan.videoPID ?? 0)"
        } else {
            throw LoadError(description: "\(name) has neither PCR nor video timestamps to pace it by")
        }
        var clock = Self.interpolate(samples, packetCount: packetCount)
        if pacing == .burst {
            // Packets until the next PES start go out with the PES start's packet.
            var next = 0
            var current: Int64?
            for packet in 0..<packetCount {
                while next < scan.unitStarts.count && scan.unitStarts[next] <= packet {
                    current = clock[scan.unitStarts[next]]
                    next += 1
                }
                if let current { clock[packet] = current }
            }
        }

        var messages: [Message] = []
        messages.reserveCapacity(packetCount / Self.packetsPerMessage + 1)
        var patchIndex = 0
        var first = 0
        while first < packetCount {
            let count = min(Self.packetsPerMessage, packetCount - first)
            let offset = first * size
            let end = offset + count * size
            let patchStart = patchIndex
            while patchIndex < scan.patches.count && scan.patches[patchIndex].position < end { patchIndex += 1 }
            // 27 MHz to nanoseconds: x 1000 / 27.
            let due = UInt64(max(0, clock[first])) * 1000 / 27
            messages.append(Message(offset: offset, length: count * size, due: due, patchStart: patchStart, patchEnd: patchIndex))
            first += count
        }

        // A loop lasts as long as its longest stream (span plus one frame), so the next loop's first
        // access unit follows the last one without overlap or gap. The wall-clock loop must be the
        // same length, or the receiver's buffer drifts; the PCR of the last packets can run a little
        // past that (the muxer's flush), which only bunches a few messages at the loop point.
        var ticks: Int64 = 0
        for (_, values) in scan.presentationTimes where values.count >= 2 {
            let unwrapped = Self.unwrap(values.enumerated().map { (packet: $0.offset, clock: $0.element) }, period: 1 << 33)
                .map(\.clock).sorted()
            var deltas: [Int64] = []
            for i in 1..<unwrapped.count where unwrapped[i] > unwrapped[i - 1] { deltas.append(unwrapped[i] - unwrapped[i - 1]) }
            deltas.sort()
            let frame = deltas.isEmpty ? 0 : deltas[deltas.count / 2]
            ticks = max(ticks, (unwrapped.last ?? 0) - (unwrapped.first ?? 0) + frame)
        }
        let lastDue = messages.last?.due ?? 0
        let interval = messages.count > 1 ? lastDue / UInt64(messages.count - 1) : 1_000_000
        if ticks == 0 {
            // No stream with two timestamps: fall back to the pacing's own length.
            ticks = Int64((lastDue + max(interval, 1)) * 90_000 / 1_000_000_000) + 1
        }

        var advance = [UInt8](repeating: 0, count: 8192)
        for (pid, range) in scan.continuity {
            advance[pid] = UInt8((Int(range.last) + 1 - Int(range.first)) & 0x0F)
        }
        self.bytes = bytes
        self.messages = messages
        self.patches = scan.patches
        continuityAdvance = advance
        loopTicks = ticks
        loopNanoseconds = UInt64(ticks) * 1_000_000_000 / 90_000
        videoPID = scan.videoPID
        clockSource = pacing == .burst ? source + ", in bursts per PES" : source
        unpatchableHeaders = scan.unpatchable
    }

    var loopSeconds: Double { Double(loopTicks) / 90_000 }

    /// Writes message `index` of loop `loop` into `scratch` (at least `messageSize` bytes) with every
    /// PCR, PTS and DTS moved on by `loop` loops (modulo 2^33) and every continuity counter continued
    /// from the previous loop. Returns the message length. Loop 0 needs no rewriting: callers send
    /// straight from `bytes`.
    func render(_ index: Int, loop: Int, into scratch: UnsafeMutableRawBufferPointer) -> Int {
        let message = messages[index]
        bytes.withUnsafeBytes { source in
            scratch.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[message.offset..<(message.offset + message.length)]))
        }
        let turns = loop & 0x0F
        var packet = 0
        while packet < message.length {
            let pid = (Int(scratch[packet + 1] & 0x1F) << 8) | Int(scratch[packet + 2])
            let step = Int(continuityAdvance[pid])
            if step != 0 && pid != 0x1FFF {
                let byte = scratch[packet + 3]
                scratch[packet + 3] = (byte & 0xF0) | UInt8((Int(byte & 0x0F) + step * turns) & 0x0F)
            }
            packet += Self.packetSize
        }
        let shift = (Int64(loop) * loopTicks) & Self.timestampMask
        for patch in patches[message.patchStart..<message.patchEnd] {
            let at = patch.position - message.offset
            switch patch.kind {
            case .pcr:
                let base = Self.readPCRBase(scratch, at)
                Self.writePCRBase(scratch, at, (base + shift) & Self.timestampMask)
            case .pts, .dts:
                let value = Self.readTimestamp(scratch, at)
                Self.writeTimestamp(scratch, at, (value + shift) & Self.timestampMask)
            }
        }
        return message.length
    }

    /// The PTS of the first video stream's PES packet that starts in message `index`, as loop `loop`
    /// sends it; nil if none starts there.
    func videoPTS(_ index: Int, loop: Int) -> Int64? {
        let message = messages[index]
        for patch in patches[message.patchStart..<message.patchEnd] where patch.isVideoStart {
            let value = bytes.withUnsafeBytes { Self.readTimestamp($0, patch.position) }
            return (value + Int64(loop) * loopTicks) & Self.timestampMask
        }
        return nil
    }

    // MARK: - Field codecs (ISO/IEC 13818-1, 2.4.3.5 and 2.4.3.7)

    static func readTimestamp(_ buffer: some RawBufferReading, _ at: Int) -> Int64 {
        let b0 = Int64(buffer[at]), b1 = Int64(buffer[at + 1]), b2 = Int64(buffer[at + 2])
        let b3 = Int64(buffer[at + 3]), b4 = Int64(buffer[at + 4])
        return ((b0 >> 1) & 0x07) << 30 | b1 << 22 | (b2 >> 1) << 15 | b3 << 7 | b4 >> 1
    }

    static func writeTimestamp(_ buffer: UnsafeMutableRawBufferPointer, _ at: Int, _ value: Int64) {
        // Keep the 4-bit prefix ('0010' PTS only, '0011' PTS of a pair, '0001' DTS); marker bits set.
        buffer[at] = (buffer[at] & 0xF0) | UInt8((value >> 29) & 0x0E) | 0x01
        buffer[at + 1] = UInt8((value >> 22) & 0xFF)
        buffer[at + 2] = UInt8((value >> 14) & 0xFE) | 0x01
        buffer[at + 3] = UInt8((value >> 7) & 0xFF)
        buffer[at + 4] = UInt8((value << 1) & 0xFE) | 0x01
    }

    static func readPCRBase(_ buffer: some RawBufferReading, _ at: Int) -> Int64 {
        Int64(buffer[at]) << 25 | Int64(buffer[at + 1]) << 17 | Int64(buffer[at + 2]) << 9 | Int64(buffer[at + 3]) << 1
            | Int64(buffer[at + 4]) >> 7
    }

    static func writePCRBase(_ buffer: UnsafeMutableRawBufferPointer, _ at: Int, _ base: Int64) {
        buffer[at] = UInt8((base >> 25) & 0xFF)
        buffer[at + 1] = UInt8((base >> 17) & 0xFF)
        buffer[at + 2] = UInt8((base >> 9) & 0xFF)
        buffer[at + 3] = UInt8((base >> 1) & 0xFF)
        // Low bit of the base, then 6 reserved bits and the extension's top bit, kept as they were.
        buffer[at + 4] = (buffer[at + 4] & 0x7F) | UInt8((base & 1) << 7)
    }

    // MARK: - Clock helpers

    /// Removes wraps of a counter of `period` and any backward step (a clock must not run back).
    static func unwrap(_ samples: [(packet: Int, clock: Int64)], period: Int64) -> [(packet: Int, clock: Int64)] {
        var result: [(packet: Int, clock: Int64)] = []
        result.reserveCapacity(samples.count)
        var offset: Int64 = 0
        var previous: Int64?
        for sample in samples {
            var value = sample.clock + offset
            if let previous, value < previous - period / 2 {
                offset += period
                value += period
            }
            result.append((sample.packet, value))
            previous = value
        }
        return result
    }

    /// A clock per packet: linear between samples, the first sample's value before them and the
    /// average rate after the last. Relative to the first sample.
    static func interpolate(_ samples: [(packet: Int, clock: Int64)], packetCount: Int) -> [Int64] {
        var clock = [Int64](repeating: 0, count: packetCount)
        guard let first = samples.first, let last = samples.last else { return clock }
        var j = 0
        var floor: Int64 = 0
        for packet in 0..<packetCount {
            var value: Int64
            if packet <= first.packet {
                value = 0
            } else if packet >= last.packet {
                let span = max(1, last.packet - first.packet)
                value = last.clock - first.clock + (last.clock - first.clock) * Int64(packet - last.packet) / Int64(span)
            } else {
                while j + 1 < samples.count && samples[j + 1].packet <= packet { j += 1 }
                let a = samples[j], b = samples[j + 1]
                value = a.clock - first.clock + (b.clock - a.clock) * Int64(packet - a.packet) / Int64(max(1, b.packet - a.packet))
            }
            // A PCR that steps back (a spliced file) must not make earlier packets due later.
            value = max(value, floor)
            floor = value
            clock[packet] = value
        }
        return clock
    }
}

/// Byte access shared by `UnsafeRawBufferPointer` and `UnsafeMutableRawBufferPointer`.
protocol RawBufferReading {
    subscript(_ index: Int) -> UInt8 { get }
}

extension UnsafeRawBufferPointer: RawBufferReading {}
extension UnsafeMutableRawBufferPointer: RawBufferReading {}
