/// SplitMix64: a tiny deterministic generator for the demo registry's structure.
///
/// The demo must produce the same codes and names on every run and every toolchain, so it uses
/// its own generator and its own bounded draw (`next(below:)`) rather than the standard library's
/// `random(in:)`, whose exact algorithm is not a documented promise.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in 0..<bound. The modulo bias is below 2^-50 for our small bounds; irrelevant for demo data.
    mutating func next(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        return Int(next() % UInt64(bound))
    }

    /// A value in 0...1 with 53 bits of precision.
    mutating func unit() -> Double {
        Double(next() >> 11) / Double(UInt64(1) << 53)
    }
}
