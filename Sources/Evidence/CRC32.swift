/// CRC-32 as ZIP uses it (APPNOTE 4.4.7): the IEEE 802.3 polynomial, reflected (0xEDB88320),
/// initial value and final XOR 0xFFFFFFFF; "123456789" gives 0xCBF43926. Our own rather than
/// zlib's so that Evidence stays Foundation + swift-crypto (zlib is not a dependency).
///
/// Slicing-by-8 (eight 256-entry tables, eight input bytes per step): an export checksums
/// gigabytes, and the one-table loop costs a table lookup and a dependent shift per byte.
struct CRC32 {
    private var state: UInt32 = 0xFFFF_FFFF

    /// The CRC of everything passed to `update` so far.
    var value: UInt32 { ~state }

    /// Table k maps a byte to its CRC contribution k bytes further on; table 0 is the classic one.
    static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            tables[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = tables[(slice - 1) * 256 + byte]
                tables[slice * 256 + byte] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    init() {}

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var crc = state
        Self.tables.withUnsafeBufferPointer { t in
            let count = bytes.count
            var index = 0
            while count - index >= 8 {
                let one = bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self).littleEndian ^ crc
                let two = bytes.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self).littleEndian
                crc = t[7 * 256 + Int(one & 0xFF)] ^ t[6 * 256 + Int((one >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((one >> 16) & 0xFF)] ^ t[4 * 256 + Int(one >> 24)]
                    ^ t[3 * 256 + Int(two & 0xFF)] ^ t[2 * 256 + Int((two >> 8) & 0xFF)]
                    ^ t[256 + Int((two >> 16) & 0xFF)] ^ t[Int(two >> 24)]
                index += 8
            }
            while index < count {
                crc = t[Int((crc ^ UInt32(bytes[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
        }
        state = crc
    }
}
