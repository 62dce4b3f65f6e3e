import Crypto
import Foundation

/// What the gateway signs when a recording file is sealed (closed, or recovered after a crash):
/// the file's identity and time range, the SHA-256 of its init section and of every fragment in
/// order, its chain head and its place in the recording ledger. Kept beside the file as
/// `<file>.seal.json` (the exact bytes signed) and `<file>.seal.sig` (64-byte raw Ed25519
/// signature), so `openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in X.seal.json -sigfile
/// X.seal.sig` checks it. Signed at seal time, so the statement dates from recording, not export.
public struct FileSeal: Codable, Sendable, Equatable {
    public static let currentFormat = "fieldrelay-seal/1"

    public struct Section: Codable, Sendable, Equatable {
        public var length: Int64
        public var sha256: String
        public init(length: Int64, sha256: String) {
            self.length = length
            self.sha256 = sha256
        }
    }

    public struct Fragment: Codable, Sendable, Equatable {
        public var sequence: Int
        /// Byte offset in the file.
        public var offset: Int64
        public var length: Int64
        /// RFC 3339, UTC, milliseconds.
        public var start: String
        public var end: String
        public var sha256: String
        public init(sequence: Int, offset: Int64, length: Int64, start: String, end: String, sha256: String) {
            self.sequence = sequence
            self.offset = offset
            self.length = length
            self.start = start
            self.end = end
            self.sha256 = sha256
        }
    }

    public struct LedgerPosition: Codable, Sendable, Equatable {
        /// The `file.sealed` / `file.recovered` entry of the recording ledger.
        public var sequence: Int64
        public var hash: String
        public init(sequence: Int64, hash: String) {
            self.sequence = sequence
            self.hash = hash
        }
    }

    public var format: String
    /// The signing key's id (`EvidencePublicKey.id`).
    public var keyId: String
    /// The media path (`cam/bc-0001`).
    public var path: String
    /// The file's name relative to the recording directory.
    public var file: String
    public var instance: String
    public var codecs: String
    public var start: String?
    public var end: String?
    public var sealedAt: String
    /// When the signature was made: equal to `sealedAt` but for files sealed before the gateway had
    /// a key (or whose seal could not be written then), signed at the next start.
    public var signedAt: String
    public var recovered: Bool
    public var initSection: Section
    public var fragmentCount: Int
    public var fragments: [Fragment]
    /// `FragmentChain` over the init hash and the fragment hashes, hex.
    public var chainHead: String
    public var ledger: LedgerPosition

    enum CodingKeys: String, CodingKey {
        case format, keyId, path, file, instance, codecs, start, end, sealedAt, signedAt, recovered
        case initSection = "init"
        case fragmentCount, fragments, chainHead, ledger
    }

    public init(keyId: String, path: String, file: String, instance: String, codecs: String, start: String?, end: String?,
                sealedAt: String, signedAt: String, recovered: Bool, initSection: Section, fragments: [Fragment],
                chainHead: String, ledger: LedgerPosition) {
        self.format = Self.currentFormat
        self.keyId = keyId
        self.path = path
        self.file = file
        self.instance = instance
        self.codecs = codecs
        self.start = start
        self.end = end
        self.sealedAt = sealedAt
        self.signedAt = signedAt
        self.recovered = recovered
        self.initSection = initSection
        self.fragmentCount = fragments.count
        self.fragments = fragments
        self.chainHead = chainHead
        self.ledger = ledger
    }

    /// The bytes that are signed and stored: sorted keys, indented, one per file.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Strings, integers and booleans only: encoding cannot fail.
        return ((try? encoder.encode(self)) ?? Data()) + Data("\n".utf8)
    }

    public static func decode(_ data: Data) throws(EvidenceError) -> FileSeal {
        do {
            return try JSONDecoder().decode(FileSeal.self, from: data)
        } catch {
            throw EvidenceError("not a FieldRelay seal (\(error))")
        }
    }

    /// What is wrong with the seal by its own content (nil when consistent): the format, the
    /// fragment count, sequences 0…n-1 laid end to end after the init section, and the chain head
    /// recomputed from the hashes it lists.
    public var inconsistency: String? {
        guard format == Self.currentFormat else { return "unknown seal format \(format)" }
        guard fragmentCount == fragments.count else { return "fragmentCount \(fragmentCount) but \(fragments.count) fragment(s) listed" }
        var offset = initSection.length
        for (position, fragment) in fragments.enumerated() {
            guard fragment.sequence == position else { return "fragment \(position) has sequence \(fragment.sequence)" }
            guard fragment.offset == offset else { return "fragment \(position) is at offset \(fragment.offset), not \(offset)" }
            offset += fragment.length
        }
        guard let initHash = Data(hexDigits: initSection.sha256) else { return "the init hash is not hex" }
        var hashes: [Data] = []
        for fragment in fragments {
            guard let hash = Data(hexDigits: fragment.sha256), hash.count == 32 else { return "fragment \(fragment.sequence)'s hash is not a SHA-256" }
            hashes.append(hash)
        }
        guard FragmentChain.head(initHash: initHash, fragments: hashes).lowercaseHex == chainHead.lowercased() else {
            return "the fragment hashes do not reproduce the chain head"
        }
        return nil
    }

    /// `<file>.seal.json` and `<file>.seal.sig` beside a recording file.
    public static func paths(besides file: String) -> (json: String, signature: String) {
        (file + ".seal.json", file + ".seal.sig")
    }
}

extension Data {
    /// Parses hex of either case; nil for an odd length or a non-hex character.
    public init?(hexDigits text: String) {
        let digits = Array(text.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes)
    }
}
