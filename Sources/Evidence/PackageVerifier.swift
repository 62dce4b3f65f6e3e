import Foundation

/// `fieldrelay evidence verify EXPORT.zip --public-key KEY.pem`: checks an export package with
/// nothing but the package and the gateway's public key — no server, no database, no FFmpeg.
///
/// In order, stopping at the first failure, which names the file:
/// 1. `manifest.sig` is the key's signature of `manifest.json`'s exact bytes;
/// 2. every file of the package is listed in the manifest, every listed file is there, and each
///    one's SHA-256 (and ZIP CRC) is what the manifest says;
/// 3. every seal is the key's signature of its JSON, and each seal is consistent in itself (its
///    fragment hashes reproduce its chain head);
/// 4. each source's init section and fragments are the ones its seal lists, and the fragments are
///    exactly those the seals list within what the manifest says is included: none missing from
///    the middle, none added, none swapped.
public enum PackageVerifier {
    public struct Report: Sendable, Equatable {
        public var keyId: String
        public var path: String
        public var given: ExportManifest.Range
        public var files: Int
        public var sources: Int
        public var fragments: Int
        public var spans: Int
        public var bytes: Int64
    }

    public static func verify(package: String, publicKey: EvidencePublicKey) throws(EvidenceError) -> Report {
        let zip = try ZipReader(path: package)
        guard let manifestEntry = zip.entry(named: "manifest.json") else { throw EvidenceError("manifest.json: missing from the package") }
        guard let signatureEntry = zip.entry(named: "manifest.sig") else { throw EvidenceError("manifest.sig: missing from the package") }
        let manifestBytes = try zip.read(manifestEntry)
        let signature = try zip.read(signatureEntry, limit: 1024)
        guard publicKey.verify(signature, of: manifestBytes) else {
            throw EvidenceError("manifest.json: its signature (manifest.sig) does not verify with key \(publicKey.id): "
                                + "the manifest was changed, or signed by another key")
        }
        let manifest = try ExportManifest.decode(manifestBytes)
        guard manifest.format == ExportManifest.currentFormat else { throw EvidenceError("manifest.json: unknown format \(manifest.format)") }

        // 2. The package's files against the manifest.
        var listed: [String: ExportManifest.Entry] = [:]
        for entry in manifest.files {
            guard listed.updateValue(entry, forKey: entry.name) == nil else { throw EvidenceError("manifest.json: \(entry.name) is listed twice") }
        }
        for entry in zip.entries where entry.name != "manifest.json" && entry.name != "manifest.sig" && !entry.name.hasSuffix("/") {
            guard listed[entry.name] != nil else { throw EvidenceError("\(entry.name): in the package but not in the manifest") }
        }
        var bytes: Int64 = 0
        for expected in manifest.files {
            guard let entry = zip.entry(named: expected.name) else { throw EvidenceError("\(expected.name): listed in the manifest but missing from the package") }
            guard entry.size == expected.size else {
                throw EvidenceError("\(expected.name): \(entry.size) bytes, the manifest says \(expected.size)")
            }
            let hash = try zip.sha256(entry).lowercaseHex
            guard hash == expected.sha256.lowercased() else {
                throw EvidenceError("\(expected.name): SHA-256 \(hash) is not the manifest's \(expected.sha256)")
            }
            bytes += entry.size
        }

        // 3 and 4. Seals, and the fragments against them.
        guard let givenFrom = EvidenceTime.parse(manifest.given.from), let givenTo = EvidenceTime.parse(manifest.given.to) else {
            throw EvidenceError("manifest.json: the given range is not RFC 3339")
        }
        var included: [(Date, Date)] = []
        for range in manifest.included {
            guard let from = EvidenceTime.parse(range.from), let to = EvidenceTime.parse(range.to) else {
                throw EvidenceError("manifest.json: an included range is not RFC 3339")
            }
            included.append((max(from, givenFrom), min(to, givenTo)))
        }
        func hashListed(_ name: String) throws(EvidenceError) -> String {
            guard let entry = listed[name] else { throw EvidenceError("manifest.json: \(name) is named but not listed") }
            return entry.sha256.lowercased()
        }
        var fragments = 0
        for source in manifest.sources {
            guard let sealEntry = zip.entry(named: source.seal), let sigEntry = zip.entry(named: source.signature) else {
                throw EvidenceError("\(source.seal): the seal of \(source.file) is missing")
            }
            let sealBytes = try zip.read(sealEntry)
            guard publicKey.verify(try zip.read(sigEntry, limit: 1024), of: sealBytes) else {
                throw EvidenceError("\(source.seal): its signature does not verify with key \(publicKey.id): the seal was changed, or signed by another key")
            }
            let seal: FileSeal
            do {
                seal = try FileSeal.decode(sealBytes)
            } catch {
                throw EvidenceError("\(source.seal): \(error.message)")
            }
            if let problem = seal.inconsistency { throw EvidenceError("\(source.seal): \(problem)") }
            guard seal.file == source.file, seal.path == manifest.path else {
                throw EvidenceError("\(source.seal): seals \(seal.path) \(seal.file), not \(manifest.path) \(source.file)")
            }
            guard try hashListed(source.initSection) == seal.initSection.sha256.lowercased() else {
                throw EvidenceError("\(source.initSection): not the init section the seal of \(source.file) lists")
            }
            var taken: [Int: String] = [:]
            for fragment in source.fragments {
                guard fragment.sequence >= 0, fragment.sequence < seal.fragments.count else {
                    throw EvidenceError("\(fragment.entry): fragment \(fragment.sequence) is not in the seal of \(source.file)")
                }
                guard taken.updateValue(fragment.entry, forKey: fragment.sequence) == nil else {
                    throw EvidenceError("\(fragment.entry): fragment \(fragment.sequence) of \(source.file) is in the package twice")
                }
                guard try hashListed(fragment.entry) == seal.fragments[fragment.sequence].sha256.lowercased() else {
                    throw EvidenceError("\(fragment.entry): not fragment \(fragment.sequence) of the seal of \(source.file) "
                                        + "(a fragment swapped, or from another recording)")
                }
            }
            // Exactly the sealed fragments that overlap what is included.
            for sealed in seal.fragments {
                guard let start = EvidenceTime.parse(sealed.start), let end = EvidenceTime.parse(sealed.end) else {
                    throw EvidenceError("\(source.seal): fragment \(sealed.sequence)'s times are not RFC 3339")
                }
                let wanted = included.contains { start < $0.1 && end > $0.0 } || (start == end && included.contains { start >= $0.0 && start <= $0.1 })
                if wanted, taken[sealed.sequence] == nil {
                    throw EvidenceError("\(source.file): fragment \(sealed.sequence) (\(sealed.start) to \(sealed.end)) lies in the range "
                                        + "but is missing from the package (removed from the middle?)")
                }
                if !wanted, let entry = taken[sealed.sequence] {
                    throw EvidenceError("\(entry): fragment \(sealed.sequence) of \(source.file) lies outside the range given")
                }
            }
            fragments += taken.count
        }
        return Report(keyId: publicKey.id, path: manifest.path, given: manifest.given, files: manifest.files.count,
                      sources: manifest.sources.count, fragments: fragments, spans: manifest.spans.count, bytes: bytes)
    }
}
