import Testing
import MediaTypes

@Suite("Media value types")
struct MediaTypesTests {
    @Test("codecs know whether they are video or audio")
    func codecKinds() {
        #expect(Codec.h264.isVideo && Codec.hevc.isVideo)
        #expect(Codec.aac.isAudio && Codec.opus.isAudio)
        #expect(!Codec.aac.isVideo)
    }

    @Test("track descriptions name codec, pid and size")
    func trackDescription() {
        let track = Track(index: 0, codec: .h264, pid: 256, width: 1280, height: 720)
        #expect(track.description == "#0 h264 pid=256 1280x720")
        #expect(Track(index: 1, codec: .aac, pid: 257, sampleRate: 48000).description == "#1 aac pid=257 48000Hz")
    }

    @Test("the monotonic clock does not go back")
    func monotonic() {
        let a = MonotonicClock.now()
        let b = MonotonicClock.now()
        #expect(b >= a)
    }
}
