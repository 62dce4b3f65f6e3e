/// Reads bits most-significant first, and the Exp-Golomb codes of H.264 and H.265 (H.264 9.1).
/// Untrusted input: a read past the end throws instead of trapping, so a truncated set is refused.
struct BitReader {
    struct Overrun: Error {}

    private let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var bitsLeft: Int { bytes.count * 8 - position }

    mutating func bit() throws(Overrun) -> Int {
        guard position < bytes.count * 8 else { throw Overrun() }
        let value = Int(bytes[position >> 3] >> (7 - UInt8(position & 7))) & 1
        position += 1
        return value
    }

    mutating func bits(_ count: Int) throws(Overrun) -> Int {
        precondition(count <= 32)
        var value = 0
        for _ in 0..<count { value = value << 1 | (try bit()) }
        return value
    }

    mutating func skip(_ count: Int) throws(Overrun) {
        guard count >= 0, count <= bitsLeft else { throw Overrun() }
        position += count
    }

    /// ue(v). More than 31 leading zeros cannot be a field of these specs (and would overflow).
    mutating func unsignedGolomb() throws(Overrun) -> Int {
        var zeros = 0
        while try bit() == 0 {
            zeros += 1
            guard zeros <= 31 else { throw Overrun() }
        }
        return (1 << zeros) - 1 + (try bits(zeros))
    }

    /// se(v).
    mutating func signedGolomb() throws(Overrun) -> Int {
        let code = try unsignedGolomb()
        return code & 1 == 1 ? (code + 1) / 2 : -(code / 2)
    }
}
