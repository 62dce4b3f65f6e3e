import Foundation

/// `manifest.json` of an export package: what was asked and given, every file of the package with
/// its SHA-256, which recording files the fragments come from and the seals that list them. Signed
/// whole (`manifest.sig`, raw Ed25519 over the exact bytes) with the gateway's evidence key.
public struct ExportManifest: Codable, Sendable, Equatable {
    public static let currentFormat = "fieldrelay-export/1"

    public struct Range: Codable, Sendable, Equatable {
        /// RFC 3339, UTC, milliseconds.
        public var from: String
        public var to: String
        public init(from: String, to: String) {
            self.from = from
            self.to = to
        }
    }

    /// One file of the package (all but `manifest.json` and `manifest.sig`).
    public struct Entry: Codable, Sendable, Equatable {
        public var name: String
        public var size: Int64
        public var sha256: String
        public init(name: String, size: Int64, sha256: String) {
            self.name = name
            self.size = size
            self.sha256 = sha256
        }
    }

    /// A recording file some fragments come from, with its seal.
    public struct Source: Codable, Sendable, Equatable {
        /// The recording file's name, as its seal states it.
        public var file: String
        /// Package entries: the seal's JSON and signature, the init section.
        public var seal: String
        public var signature: String
        public var initSection: String
        /// The fragments taken, by the sequence the seal lists them under.
        public var fragments: [Fragment]

        public struct Fragment: Codable, Sendable, Equatable {
            public var sequence: Int
            public var entry: String
            public init(sequence: Int, entry: String) {
                self.sequence = sequence
                self.entry = entry
            }
        }

        enum CodingKeys: String, CodingKey {
            case file, seal, signature, fragments
            case initSection = "init"
        }

        public init(file: String, seal: String, signature: String, initSection: String, fragments: [Fragment]) {
            self.file = file
            self.seal = seal
            self.signature = signature
            self.initSection = initSection
            self.fragments = fragments
        }
    }

    /// One convenience MP4: a continuous span remuxed for watching (not the evidence itself).
    public struct Span: Codable, Sendable, Equatable {
        public var from: String
        public var to: String
        public var mp4: String
        public init(from: String, to: String, mp4: String) {
            self.from = from
            self.to = to
            self.mp4 = mp4
        }
    }

    public var format: String
    public var id: String
    public var keyId: String
    /// The media path the recording is of.
    public var path: String
    public var note: String
    public var exportedBy: String
    public var exportedAt: String
    /// The range asked for.
    public var requested: Range
    /// The range the fragments cover: `requested` widened to whole fragments.
    public var given: Range
    public var widenedToFragments: Bool
    /// What the package includes within `given`: the whole of it, or (an organisation that only
    /// took part in a session) the spans it could see live. Every sealed fragment overlapping
    /// these is in the package, and no other.
    public var included: [Range]
    /// Where nothing was recorded (or withheld) inside `given`.
    public var gaps: [Range]
    public var sources: [Source]
    public var spans: [Span]
    public var files: [Entry]

    public init(id: String, keyId: String, path: String, note: String, exportedBy: String, exportedAt: String,
                requested: Range, given: Range, included: [Range], gaps: [Range], sources: [Source], spans: [Span], files: [Entry]) {
        self.format = Self.currentFormat
        self.id = id
        self.keyId = keyId
        self.path = path
        self.note = note
        self.exportedBy = exportedBy
        self.exportedAt = exportedAt
        self.requested = requested
        self.given = given
        self.widenedToFragments = requested != given
        self.included = included
        self.gaps = gaps
        self.sources = sources
        self.spans = spans
        self.files = files
    }

    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return ((try? encoder.encode(self)) ?? Data()) + Data("\n".utf8)
    }

    public static func decode(_ data: Data) throws(EvidenceError) -> ExportManifest {
        do {
            return try JSONDecoder().decode(ExportManifest.self, from: data)
        } catch {
            throw EvidenceError("manifest.json: not a FieldRelay export manifest (\(error))")
        }
    }
}

/// RFC 3339 times in seals and manifests: written by the gateway as UTC with milliseconds; read
/// back here (the verifier needs no other module) to the millisecond.
public enum EvidenceTime {
    public static func parse(_ text: String) -> Date? {
        let date = (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
        return date.map { Date(timeIntervalSince1970: ($0.timeIntervalSince1970 * 1000).rounded() / 1000) }
    }
}
