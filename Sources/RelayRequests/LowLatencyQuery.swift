import Foundation

/// The Low-Latency HLS delivery directives of a playlist request (rfc8216bis 6.2.5). Public for
/// RelayAPI's HLSController and the `hlsquery` fuzzer, as `HLSRequest`.
public struct LowLatencyQuery: Equatable, Sendable {
    public var sequence: Int?
    public var part: Int?
    public var skip = false

    public init(sequence: Int? = nil, part: Int? = nil, skip: Bool = false) {
        self.sequence = sequence
        self.part = part
        self.skip = skip
    }

    /// `parameter` gives a query parameter's (first, percent-decoded) value.
    public init(parameter: (String) -> String?) throws(HLSRequest.Invalid) {
        func number(_ key: String) throws(HLSRequest.Invalid) -> Int? {
            guard let text = parameter(key) else { return nil }
            guard let value = Int(text), value >= 0 else {
                throw HLSRequest.Invalid(kind: .badRequest, message: "\(key) must be a non-negative integer, not '\(text.prefix(32))'")
            }
            return value
        }
        sequence = try number("_HLS_msn")
        part = try number("_HLS_part")
        if part != nil && sequence == nil {
            throw HLSRequest.Invalid(kind: .badRequest, message: "_HLS_part needs _HLS_msn")
        }
        if let value = parameter("_HLS_skip") {
            guard value == "YES" || value == "v2" else {
                throw HLSRequest.Invalid(kind: .badRequest, message: "_HLS_skip must be YES or v2")
            }
            skip = true
        }
    }
}
