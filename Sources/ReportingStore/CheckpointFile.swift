import Crypto
import Foundation
import JointReporting

/// The head of the chain, `<data>/audit.checkpoint`, rewritten atomically after every commit.
///
/// It lives outside the database so that cutting the record's last rows shows: the chain alone
/// cannot tell a cut tail from a record that simply ended there. The file carries its own MAC
/// under the audit key, so it cannot be rewritten to match a cut record either (only replaced by
/// an older genuine copy, which still catches any cut past that copy).
public enum CheckpointFile {
    public static let fileName = "audit.checkpoint"
    static let format = "FRC1"

    private struct Content: Codable {
        var format: String
        var count: Int
        var lastMAC: String
        var mac: String
    }

    public static func write(_ checkpoint: AuditCheckpoint, key: Data, directory: URL) throws {
        let content = Content(format: format, count: checkpoint.count, lastMAC: checkpoint.lastMAC.hexString,
                              mac: mac(checkpoint, key: key).hexString)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var bytes = Array(try encoder.encode(content))
        bytes.append(UInt8(ascii: "\n"))
        try SecretFile.replaceAtomically(directory.appendingPathComponent(fileName), bytes: bytes)
    }

    /// The checkpoint, or nil if there is none yet. Throws if the file is unreadable or its MAC
    /// does not match: a checkpoint that was tampered with proves nothing.
    public static func read(key: Data, directory: URL) throws -> AuditCheckpoint? {
        let url = directory.appendingPathComponent(fileName)
        guard let data = try SecretFile.read(url) else { return nil }
        guard let content = try? JSONDecoder().decode(Content.self, from: data), content.format == format,
              content.count >= 0, let lastMAC = Data(hexString: content.lastMAC), let stated = Data(hexString: content.mac)
        else {
            throw ReportingStoreError(.invalid, "\(url.path) is not a readable audit checkpoint")
        }
        let checkpoint = AuditCheckpoint(count: content.count, lastMAC: lastMAC)
        guard stated == mac(checkpoint, key: key) else {
            throw ReportingStoreError(.invalid, "\(url.path) was altered: its MAC does not match the audit key")
        }
        return checkpoint
    }

    /// HMAC-SHA256(key, "FRC1" ‖ int64be(count) ‖ lastMAC).
    static func mac(_ checkpoint: AuditCheckpoint, key: Data) -> Data {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: key))
        hmac.update(data: Array(format.utf8))
        hmac.update(data: withUnsafeBytes(of: Int64(checkpoint.count).bigEndian) { Array($0) })
        hmac.update(data: checkpoint.lastMAC)
        return Data(hmac.finalize())
    }
}
