/// `Duration` in the units the media path counts in. One place for these conversions: written by
/// hand from `components`, they truncated (0.5 s of backfill became 0 ticks).
extension Duration {
    /// Seconds, fractional.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Whole nanoseconds, clamped at zero (monotonic-clock arithmetic is unsigned) and at `UInt64.max`.
    public var inNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        // A negative duration has both parts at or below zero.
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        let whole = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        guard !whole.overflow else { return .max }
        return whole.partialValue.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000)).partialValue
    }

    /// Ticks of a clock running at `rate` Hz (90 kHz for MPEG timestamps), rounded down.
    public func ticks(at rate: Int64) -> Int64 {
        let (seconds, attoseconds) = components
        // attoseconds < 1e18 and rate ≤ 1e6 or so: split to keep the product inside Int64.
        let fromFraction = (attoseconds / 1_000_000_000) * rate / 1_000_000_000
        return seconds * rate + fromFraction
    }
}
