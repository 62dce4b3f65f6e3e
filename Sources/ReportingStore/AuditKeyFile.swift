import Foundation

/// The audit key: 32 random bytes in `<data>/audit.key` (mode 0600), outside the database, so
/// that whoever can edit the database cannot compute a valid MAC for a changed row.
public enum AuditKeyFile {
    public static let fileName = "audit.key"
    public static let length = 32

    /// Reads the key, or creates it on first start. Returns whether this call created it.
    public static func loadOrCreate(directory: URL) throws -> (key: Data, created: Bool) {
        let url = directory.appendingPathComponent(fileName)
        if let key = try read(url) { return (key, false) }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        // O_EXCL: if another process created the key between our read and now, use theirs; two
        // keys would split the chain.
        if try SecretFile.createExclusive(url, bytes: bytes) {
            return (Data(bytes), true)
        }
        guard let key = try read(url) else {
            throw ReportingStoreError(.storage, "\(url.path) vanished while it was being created")
        }
        return (key, false)
    }

    /// Reads an existing key (for verification, which must never create one).
    public static func load(directory: URL) throws -> Data {
        let url = directory.appendingPathComponent(fileName)
        guard let key = try read(url) else {
            throw ReportingStoreError(.notFound, "no audit key at \(url.path); without it the record cannot be verified")
        }
        return key
    }

    private static func read(_ url: URL) throws -> Data? {
        guard let data = try SecretFile.read(url) else { return nil }
        // A short file (a crash between create and write, or a truncated copy) is refused: a
        // weak or empty key would let anyone forge the chain.
        guard data.count >= length else {
            throw ReportingStoreError(.invalid, "\(url.path) holds \(data.count) bytes, not a \(length)-byte audit key")
        }
        return data
    }
}
