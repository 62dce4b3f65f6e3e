import Foundation

extension FileHandle {
    /// `count` bytes from `offset` (fewer at the end of the file): a fragment out of a recording.
    public func readBytes(at offset: Int64, count: Int) throws -> Data {
        try seek(toOffset: UInt64(offset))
        return try read(upToCount: count) ?? Data()
    }
}
