import MediaTypes
import Testing
@testable import MediaRemux

@Suite("NAL unit scanner: keyframes and parameter sets from the headers before the first slice")
struct NALUnitScannerTests {
    func scan(_ bytes: [UInt8], _ codec: Codec) -> NALUnitScanner.Summary {
        bytes.withUnsafeBytes { NALUnitScanner.scan($0, codec: codec) }
    }

    @Test func h264IDRWithParameterSets() {
        let sps: [UInt8] = [0x67, 0x64, 0x00, 0x1F, 0xAC]
        let pps: [UInt8] = [0x68, 0xEE, 0x3C, 0x80]
        // AUD (3-byte code), SPS and PPS (4-byte codes), then an IDR slice whose data happens to hold
        // what looks like a start code and an SPS header: slice data is not parsed.
        let unit: [UInt8] = [0, 0, 1, 0x09, 0x10] + [0, 0, 0, 1] + sps + [0, 0, 0, 1] + pps
            + [0, 0, 1, 0x65, 0x88, 0x84] + [0, 0, 1, 0x67, 0x42, 0x00]
        let summary = scan(unit, .h264)
        #expect(summary.isKeyframe)
        #expect(summary.parameterSets == [0, 0, 0, 1] + sps + [0, 0, 0, 1] + pps)
    }

    @Test func h264NonIDRSliceAfterSEI() {
        let unit: [UInt8] = [0, 0, 0, 1, 0x06, 0x05, 0x01, 0xFF] + [0, 0, 1, 0x41, 0x9A, 0x00, 0x00, 0x03]
        let summary = scan(unit, .h264)
        #expect(!summary.isKeyframe)
        #expect(summary.parameterSets.isEmpty)
    }

    @Test func hevcCRAWithVPSSPSPPS() {
        let vps: [UInt8] = [0x40, 0x01, 0x0C]
        let sps: [UInt8] = [0x42, 0x01, 0x01]
        let pps: [UInt8] = [0x44, 0x01, 0xC1]
        let cra: [UInt8] = [0x2A, 0x01, 0xAF]   // type 21
        let unit: [UInt8] = [0, 0, 0, 1] + vps + [0, 0, 0, 1] + sps + [0, 0, 0, 1] + pps + [0, 0, 0, 1] + cra
        let summary = scan(unit, .hevc)
        #expect(summary.isKeyframe)
        #expect(summary.parameterSets == [0, 0, 0, 1] + vps + [0, 0, 0, 1] + sps + [0, 0, 0, 1] + pps)
        #expect(!scan([0, 0, 1, 0x02, 0x01, 0xD0], .hevc).isKeyframe)   // TRAIL_R
    }

    @Test func truncatedAndEmptyInputsAreHarmless() {
        #expect(!scan([], .h264).isKeyframe)
        #expect(!scan([0, 0, 1], .h264).isKeyframe)
        #expect(!scan([0, 0], .hevc).isKeyframe)
        #expect(scan([0, 0, 1, 0x67], .h264).parameterSets == [0, 0, 0, 1, 0x67])
        #expect(!scan([0, 0, 1, 0x65], .aac).isKeyframe)
    }
}
