import Testing
@testable import RelayAPI

@Suite("The shared media buffers: bounded by size and by age")
struct MediaBufferCacheTests {
    /// Found by scripts/faults/flap.sh: with only a size bound, the bytes of cameras long gone stayed
    /// cached (up to 256 MB) after every path had ended and been forgotten.
    @Test("an entry older than the maximum age is dropped, and rebuilt if asked for again")
    func expiresByAge() {
        let cache = MediaBufferCache(maximumBytes: 1 << 20, maximumAge: .seconds(60))
        let start = ContinuousClock.now
        var made = 0
        let make: () -> [UInt8]? = { made += 1; return [UInt8](repeating: 7, count: 1000) }
        _ = cache.buffer(for: "lab/a/x-1.ts", now: start, make: make)
        _ = cache.buffer(for: "lab/a/x-2.ts", now: start + .seconds(30), make: make)
        _ = cache.buffer(for: "lab/a/x-1.ts", now: start + .seconds(40), make: make)
        #expect(made == 2, "a hit within the age is served from the cache")
        #expect(cache.cachedBytes == 2000)

        cache.evictExpired(now: start + .seconds(61))
        #expect(cache.cachedBytes == 1000, "the first entry expired, the second not yet")
        cache.evictExpired(now: start + .seconds(91))
        #expect(cache.cachedBytes == 0, "nothing is kept once every entry is old")

        let again = cache.buffer(for: "lab/a/x-1.ts", now: start + .seconds(92), make: make)
        #expect(again?.readableBytes == 1000)
        #expect(made == 3, "an expired entry is rebuilt from its maker")
    }

    @Test("an insertion drops what has expired and still honours the size bound")
    func insertionEvicts() {
        let cache = MediaBufferCache(maximumBytes: 2500, maximumAge: .seconds(60))
        let start = ContinuousClock.now
        let kilobyte: () -> [UInt8]? = { [UInt8](repeating: 1, count: 1000) }
        _ = cache.buffer(for: "a", now: start, make: kilobyte)
        _ = cache.buffer(for: "b", now: start + .seconds(1), make: kilobyte)
        _ = cache.buffer(for: "c", now: start + .seconds(2), make: kilobyte)
        #expect(cache.cachedBytes == 2000, "the oldest went for the size bound")
        _ = cache.buffer(for: "d", now: start + .seconds(63), make: kilobyte)
        #expect(cache.cachedBytes == 1000, "b and c expired when d came in")
        #expect(cache.buffer(for: "x", now: start + .seconds(63), make: { nil }) == nil)
    }
}
