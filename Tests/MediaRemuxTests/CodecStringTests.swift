import Foundation
import MediaTypes
import Testing
import TestSupport
@testable import MediaRemux

@Suite("RFC 6381 codec strings from the tracks' own parameter sets")
struct CodecStringTests {
    /// A clip as the intake reads it, with ffprobe's view of its streams (codec, profile, level).
    func tracks(_ spec: Clips.Spec) async throws -> (tracks: [Track], probe: [[String]]) {
        let clip = try await Clips.make(spec)
        let (tracks, _, _) = try demux(try [UInt8](Data(contentsOf: clip)))
        let (status, output, errors) = try await Subprocess.run("ffprobe", [
            "-v", "error", "-show_entries", "stream=codec_name,profile,level", "-of", "csv=p=0", clip.path])
        #expect(status == 0, "\(errors)")
        let probe = output.split(whereSeparator: \.isNewline).map { $0.split(separator: ",").map(String.init) }
        return (try #require(tracks.last), probe)
    }

    /// The same string built from libavformat's reading of the same parameter sets: the avcC or
    /// hvcC box of FragmentedMP4Muxer's init section (ISO/IEC 14496-15 5.3.3.1 and 8.3.3.1 hold
    /// the very fields annex E names), an independent check of the SPS parsing.
    static func fromSampleEntry(_ initSection: [UInt8]) -> String? {
        func find(_ type: String) -> Int? {
            let code = Array(type.utf8)
            guard initSection.count > 8 else { return nil }
            for index in 4..<(initSection.count - 4) where Array(initSection[index..<(index + 4)]) == code { return index + 4 }
            return nil
        }
        func hex(_ byte: UInt8, _ width: Int = 2) -> String {
            let text = String(byte, radix: 16)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        if let avcC = find("avcC"), initSection.count >= avcC + 4 {
            return "avc1." + hex(initSection[avcC + 1]) + hex(initSection[avcC + 2]) + hex(initSection[avcC + 3])
        }
        if let hvcC = find("hvcC"), initSection.count >= hvcC + 13 {
            let box = Array(initSection[hvcC..<(hvcC + 13)])
            var flags: UInt32 = 0
            for byte in box[2..<6] { flags = flags << 8 | UInt32(byte) }
            var reversed: UInt32 = 0
            for bit in 0..<32 where flags & (1 << bit) != 0 { reversed |= 1 << (31 - bit) }
            var constraints = Array(box[6..<12])
            while constraints.last == 0 { constraints.removeLast() }
            return "hvc1." + ["", "A", "B", "C"][Int(box[1] >> 6)] + "\(box[1] & 0x1F)." + String(reversed, radix: 16, uppercase: true)
                + "." + (box[1] & 0x20 != 0 ? "H" : "L") + "\(box[12])"
                + constraints.map { "." + String($0, radix: 16, uppercase: true) }.joined()
        }
        return nil
    }

    /// ffprobe's profile names for the profile_idc / general_profile_idc in a codec string.
    static let h264Profiles = ["Constrained Baseline": 0x42, "Baseline": 0x42, "Main": 0x4D, "High": 0x64]

    @Test("H.264 Constrained Baseline (x264 ultrafast) and High (x264 veryfast), AAC-LC: as ffprobe reads them", arguments: [
        ("ultrafast", "avc1.42c00d"),
        ("veryfast", "avc1.64000d"),
    ])
    func h264(preset: String, expected: String) async throws {
        let (tracks, probe) = try await tracks(.init(video: .h264, audio: true, seconds: 2, keyframeSeconds: 1, preset: preset))
        let video = try #require(tracks.first { $0.codec == .h264 })
        let audio = try #require(tracks.first { $0.codec == .aac })
        let string = try #require(CodecString.of(video))
        #expect(string == expected)
        #expect(CodecString.of(audio) == "mp4a.40.2")
        #expect(Self.fromSampleEntry(try FragmentedMP4Muxer(tracks: tracks).initSection) == string, "libavformat's avcC")
        // Cross-check with libavcodec's reading of the same SPS: profile name and level_idc.
        let h264 = try #require(probe.first { $0.first == "h264" })
        let profileIDC = Int(string.dropFirst(5).prefix(2), radix: 16)
        let levelIDC = Int(string.suffix(2), radix: 16)
        #expect(Self.h264Profiles[h264[1]] == profileIDC, "ffprobe: \(h264)")
        #expect(Int(h264[2]) == levelIDC, "ffprobe level \(h264[2]) vs \(string)")
        if h264[1] == "Constrained Baseline" {
            // constraint_set1_flag (0x40) is what makes Baseline "constrained" (H.264 A.2.1.1).
            #expect(Int(string.dropFirst(7).prefix(2), radix: 16).map { $0 & 0x40 != 0 } == true)
        }
        #expect(probe.contains { $0.first == "aac" && $0[1] == "LC" }, "AAC-LC is object type 2: \(probe)")
    }

    @Test("H.265 Main (x265): hvc1 with the profile, reversed compatibility flags, tier, level and constraint bytes")
    func hevc() async throws {
        let (tracks, probe) = try await tracks(.init(video: .hevc, audio: true, seconds: 2, keyframeSeconds: 1))
        let video = try #require(tracks.first { $0.codec == .hevc })
        // x265's SPS: profile 1 (Main), compatibility flags 1 and 2 (0x60000000, reversed 0x6),
        // Main tier, level 60 (2.0) for 320x240 at 25 fps, progressive_source and frame_only (0x90).
        #expect(CodecString.of(video) == "hvc1.1.6.L60.90")
        #expect(Self.fromSampleEntry(try FragmentedMP4Muxer(tracks: tracks).initSection) == "hvc1.1.6.L60.90", "libavformat's hvcC")
        let hevc = try #require(probe.first { $0.first == "hevc" })
        #expect(hevc[1] == "Main" && hevc[2] == "60", "ffprobe: \(hevc)")
    }

    @Test("fields read past emulation prevention bytes, from the SPS whatever the order of the sets")
    func bytes() {
        // An H.264 SPS behind a PPS, with three- and four-byte start codes.
        let avc: [UInt8] = [0, 0, 1, 0x68, 0xCE, 0x38, 0x80, 0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1F, 0xAC, 0xD9]
        #expect(CodecString.of(Track(index: 0, codec: .h264, pid: 256, extradata: avc)) == "avc1.64001f")
        // H.265: VPS, then an SPS whose zero profile bytes carry emulation prevention (00 00 03).
        let vps: [UInt8] = [0, 0, 0, 1, 0x40, 0x01, 0x0C, 0x01, 0xFF, 0xFF]
        let sps: [UInt8] = [0, 0, 0, 1, 0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03,
                            0x00, 0x5D, 0xA0]
        #expect(CodecString.of(Track(index: 0, codec: .hevc, pid: 256, extradata: vps + sps)) == "hvc1.1.6.L93.90")
        // Profile space 1 (A), High tier, Main 10 (profile 2, compatibility flag 2: 0x20000000
        // reversed is 4), level 120, constraint bytes B0 23 then zeros (dropped).
        let main10: [UInt8] = [0, 0, 1, 0x42, 0x01, 0x01, 0x62, 0x20, 0x00, 0x00, 0x03, 0x00, 0xB0, 0x23, 0x00, 0x00, 0x03, 0x00, 0x00, 0x78]
        #expect(CodecString.hevc(sps: Array(main10.dropFirst(3))) == "hvc1.A2.4.H120.B0.23")
        // All six constraint bytes zero: no constraint field at all.
        let bare: [UInt8] = [0x42, 0x01, 0x01, 0x01, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x5D]
        #expect(CodecString.hevc(sps: bare) == "hvc1.1.6.L93")

        // AudioSpecificConfig: AAC-LC 48 kHz stereo; HE-AAC (5); the escape to six more bits (31 + 11 = 42, USAC).
        #expect(CodecString.aac(audioSpecificConfig: [0x11, 0x90]) == "mp4a.40.2")
        #expect(CodecString.aac(audioSpecificConfig: [0x2B, 0x92]) == "mp4a.40.5")
        #expect(CodecString.aac(audioSpecificConfig: [0xF9, 0x40]) == "mp4a.40.42")
        #expect(CodecString.of(Track(index: 0, codec: .opus, pid: 257)) == "opus")
    }

    @Test("missing, truncated or foreign configuration gives no string rather than a wrong one")
    func unknown() {
        #expect(CodecString.of(Track(index: 0, codec: .h264, pid: 256)) == nil)
        #expect(CodecString.of(Track(index: 0, codec: .aac, pid: 257)) == nil)
        #expect(CodecString.of(Track(index: 0, codec: .h264, pid: 256, extradata: [0, 0, 1, 0x67, 0x64])) == nil)
        #expect(CodecString.of(Track(index: 0, codec: .h264, pid: 256, extradata: [0, 0, 1, 0x68, 0xCE, 0x38, 0x80])) == nil, "PPS only")
        #expect(CodecString.of(Track(index: 0, codec: .hevc, pid: 256, extradata: [0, 0, 1, 0x42, 0x01, 0x01, 0x01, 0x60, 0, 0, 3])) == nil)
        #expect(CodecString.of(Track(index: 0, codec: .hevc, pid: 256, extradata: [0x42, 0x01, 0x01])) == nil, "no start code")
        #expect(CodecString.aac(audioSpecificConfig: []) == nil)
        #expect(CodecString.aac(audioSpecificConfig: [0xF8]) == nil, "escape without its six bits")
        #expect(CodecString.aac(audioSpecificConfig: [0x00, 0x00]) == nil, "object type 0 is none")
    }
}
