@preconcurrency import Crypto
import Foundation

/// Why an evidence key, seal or package could not be used.
public struct EvidenceError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The gateway's Ed25519 public key, as a third party receives it: PEM (SubjectPublicKeyInfo, what
/// `openssl pkey -pubin` reads) and its id, the first 8 bytes of the SHA-256 of that DER, in hex
/// (`openssl pkey -pubin -in key.pem -outform DER | sha256sum | cut -c1-16`).
public struct EvidencePublicKey: Sendable, Equatable {
    /// The 32-byte Ed25519 public key.
    public let raw: Data

    /// DER of SubjectPublicKeyInfo { AlgorithmIdentifier { id-Ed25519 (1.3.101.112) }, BIT STRING key } (RFC 8410).
    static let spkiPrefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]

    public init(raw: Data) throws(EvidenceError) {
        guard raw.count == 32 else { throw EvidenceError("an Ed25519 public key is 32 bytes, not \(raw.count)") }
        self.raw = raw
    }

    /// Reads a PEM `PUBLIC KEY` block (Ed25519 SubjectPublicKeyInfo).
    public init(pem: String) throws(EvidenceError) {
        let der = try PEM.decode(pem, label: "PUBLIC KEY")
        guard der.count == Self.spkiPrefix.count + 32, der.prefix(Self.spkiPrefix.count).elementsEqual(Self.spkiPrefix) else {
            throw EvidenceError("the PEM public key is not an Ed25519 key (SubjectPublicKeyInfo with OID 1.3.101.112)")
        }
        try self.init(raw: Data(der.suffix(32)))
    }

    public var der: Data { Data(Self.spkiPrefix) + raw }
    public var pem: String { PEM.encode(der, label: "PUBLIC KEY") }
    public var id: String { Data(SHA256.hash(data: der).prefix(8)).hex }

    /// Whether `signature` is this key's Ed25519 signature of exactly `message`.
    public func verify(_ signature: Data, of message: Data) -> Bool {
        guard signature.count == 64, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}

/// The gateway's Ed25519 signing key, `<data>/evidence.key`: PKCS#8 PEM (`openssl pkey` reads it),
/// mode 0600, created at first start. Seals and export manifests are signed with it.
public struct EvidenceKey: Sendable {
    let key: Curve25519.Signing.PrivateKey
    public let publicKey: EvidencePublicKey

    /// PKCS#8 PrivateKeyInfo { version 0, AlgorithmIdentifier { id-Ed25519 }, OCTET STRING { OCTET STRING seed } } (RFC 8410).
    static let pkcs8Prefix: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]

    init(key: Curve25519.Signing.PrivateKey) {
        self.key = key
        // swift-crypto's public key is always 32 bytes.
        self.publicKey = try! EvidencePublicKey(raw: key.publicKey.rawRepresentation)
    }

    public static func generate() -> EvidenceKey { EvidenceKey(key: Curve25519.Signing.PrivateKey()) }

    public init(pem: String) throws(EvidenceError) {
        let der = try PEM.decode(pem, label: "PRIVATE KEY")
        guard der.count == Self.pkcs8Prefix.count + 32, der.prefix(Self.pkcs8Prefix.count).elementsEqual(Self.pkcs8Prefix) else {
            throw EvidenceError("the PEM private key is not an Ed25519 PKCS#8 key")
        }
        do {
            self.init(key: try Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32)))
        } catch {
            throw EvidenceError("the Ed25519 private key does not load: \(error)")
        }
    }

    public var pem: String { PEM.encode(Data(Self.pkcs8Prefix) + key.rawRepresentation, label: "PRIVATE KEY") }

    public func sign(_ message: Data) -> Data {
        // Signing with a valid key does not fail (swift-crypto throws only on a bad key).
        (try? key.signature(for: message)) ?? Data()
    }

    /// Loads `path`, or creates it (0600, written whole then renamed into place) when it does not
    /// exist and `sealsExist` is false. A missing key beside existing seals stops the start: a
    /// silent new key would leave every seal made so far unverifiable against the key in use.
    public static func loadOrCreate(at path: String, sealsExist: () -> Bool) throws(EvidenceError) -> (key: EvidenceKey, created: Bool) {
        let manager = FileManager.default
        if manager.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw EvidenceError("\(path): the evidence key cannot be read")
            }
            do {
                return (try EvidenceKey(pem: text), false)
            } catch {
                throw EvidenceError("\(path): \(error.message)")
            }
        }
        if sealsExist() {
            throw EvidenceError("\(path) is missing, but recordings sealed with an evidence key exist: restore the key "
                                + "from backup (a new key would leave those seals unverifiable against the key in use); "
                                + "to start a new key deliberately, move the existing seals away first")
        }
        let key = generate()
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try manager.createDirectory(atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true)
        } catch {
            throw EvidenceError("\(directory): cannot create the directory for the evidence key: \(error.localizedDescription)")
        }
        let temporary = path + ".new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw EvidenceError("\(temporary): cannot create the evidence key: \(String(cString: strerror(errno)))") }
        let bytes = Array(key.pem.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw EvidenceError("\(path): cannot write the evidence key: \(String(cString: strerror(errno)))")
        }
        return (key, true)
    }
}

/// PEM armour (RFC 7468): base64 in 64-character lines between BEGIN and END lines.
enum PEM {
    static func encode(_ der: Data, label: String) -> String {
        let base64 = der.base64EncodedString()
        var lines = ["-----BEGIN \(label)-----"]
        var index = base64.startIndex
        while index < base64.endIndex {
            let end = base64.index(index, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<end]))
            index = end
        }
        lines.append("-----END \(label)-----")
        return lines.joined(separator: "\n") + "\n"
    }

    static func decode(_ text: String, label: String) throws(EvidenceError) -> Data {
        let begin = "-----BEGIN \(label)-----", end = "-----END \(label)-----"
        guard let start = text.range(of: begin), let stop = text.range(of: end, range: start.upperBound..<text.endIndex) else {
            throw EvidenceError("not a PEM \(label) (no \(begin) … \(end) block)")
        }
        let body = text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: String(body)) else { throw EvidenceError("the PEM \(label) is not valid base64") }
        return der
    }
}

extension Data {
    /// Lower-case hex. Internal: JointReporting's public `hexString` would clash in modules importing both.
    var hex: String { map { String(format: "%02x", $0) }.joined() }

    /// Parses lower- or upper-case hex; nil for anything else.
    init?(hex: String) {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
