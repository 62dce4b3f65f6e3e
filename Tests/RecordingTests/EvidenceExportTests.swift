import Evidence
import Foundation
import Logging
import Recording
import RecordingStore
import TestSupport
import Testing

/// Seals signed at seal time and export packages, on real recordings (ffmpeg clips through the
/// gateway's intake and writer), checked with the offline verifier.
@Suite("Evidence: seals and export packages", .serialized)
struct EvidenceExportTests {
    static let path = "cam/bc-520602001"

    func sealOf(_ fixture: RecordingFixture, _ file: RecordedFile) throws -> (json: Data, signature: Data) {
        let paths = FileSeal.paths(besides: fixture.directory.appendingPathComponent(file.name).path)
        return (try Data(contentsOf: URL(fileURLWithPath: paths.json)), try Data(contentsOf: URL(fileURLWithPath: paths.signature)))
    }

    @Test("a file's seal is signed when it is sealed, lists what the index lists, and names its ledger entry")
    func sealAtSealTime() async throws {
        let key = EvidenceKey.generate()
        let fixture = try RecordingFixture(evidenceKey: key)
        let media = try await RecordingFixture.media(.init(seconds: 6))
        await fixture.record(path: Self.path, tracks: media.tracks, units: media.units)
        let file = try #require(try fixture.index.files(path: Self.path, from: nil, to: nil).first)
        let (json, signature) = try sealOf(fixture, file)
        #expect(key.publicKey.verify(signature, of: json))
        let seal = try FileSeal.decode(json)
        #expect(seal.inconsistency == nil)
        #expect(seal.keyId == key.publicKey.id && seal.file == file.name && seal.path == Self.path)
        let rows = try fixture.index.fragments(fileID: file.id)
        #expect(seal.fragments.map(\.sha256) == rows.map(\.hash.lowercaseHex))
        #expect(seal.initSection.sha256 == file.initHash.lowercaseHex)
        #expect(seal.chainHead == file.chainHead?.lowercaseHex)
        let entry = try #require(try fixture.index.sealEntry(of: file))
        #expect(seal.ledger == .init(sequence: entry.sequence, hash: entry.hash.lowercaseHex))
        #expect(seal.signedAt == seal.sealedAt)
        // One byte of the seal changed: the signature no longer holds.
        var edited = json
        edited[edited.count / 2] ^= 1
        #expect(!key.publicKey.verify(signature, of: edited))
    }

    @Test("files sealed without a key get their seal at the next start, dated then")
    func missingSealsAreSigned() async throws {
        let fixture = try RecordingFixture()
        let media = try await RecordingFixture.media(.init(seconds: 4))
        await fixture.record(path: Self.path, tracks: media.tracks, units: media.units)
        let file = try #require(try fixture.index.files(path: Self.path, from: nil, to: nil).first)
        #expect(throws: (any Error).self) { try sealOf(fixture, file) }
        #expect(!EvidenceSealer.sealsExist(under: fixture.directory))
        let key = EvidenceKey.generate()
        let sealer = EvidenceSealer(key: key, directory: fixture.directory)
        let later = Date().addingTimeInterval(3600)
        #expect(sealer.signMissing(index: fixture.index, now: later) == (1, 0))
        let seal = try FileSeal.decode(try sealOf(fixture, file).json)
        #expect(seal.signedAt == RecordingTime.format(later) && seal.signedAt != seal.sealedAt)
        #expect(EvidenceSealer.sealsExist(under: fixture.directory))
        #expect(sealer.signMissing(index: fixture.index, now: later) == (0, 0), "a second pass changes nothing")
    }

    /// Runs one export through a runner and returns the finished job and its package's path.
    func export(_ fixture: RecordingFixture, key: EvidenceKey, from: Date, to: Date, allowed: [ExportJob.AllowedSpan]? = nil) async throws -> (ExportJob, String) {
        let runner = ExportRunner(index: fixture.index, directory: fixture.directory, sealer: EvidenceSealer(key: key, directory: fixture.directory),
                                  configuration: fixture.configuration, logger: Logger(label: "test"), now: { [clock = fixture.clock] in clock.now })
        defer { runner.shutdown() }
        let job = try runner.submit(path: Self.path, range: PlaybackRange(from: from, to: to), note: "test", requestedBy: "admin", allowed: allowed)
        var current = job
        try await waitFor("the export to finish", timeout: .seconds(60)) {
            current = try #require(try runner.job(id: job.id)?.job)
            return current.state == .done || current.state == .failed
        }
        try #require(current.state == .done, "export failed: \(current.error ?? "")")
        return (current, runner.packagePath(current))
    }

    /// Rewrites a package: `change` gets every entry's bytes by name and returns the new set; the
    /// manifest is re-signed with `signer` when given.
    func rewrite(_ package: String, to output: String, signer: EvidenceKey?, change: (inout [(String, Data)], inout ExportManifest) throws -> Void) throws {
        let reader = try ZipReader(path: package)
        var entries: [(String, Data)] = try reader.entries.map { ($0.name, try reader.read($0)) }
        var manifest = try ExportManifest.decode(try #require(entries.first { $0.0 == "manifest.json" }?.1))
        try change(&entries, &manifest)
        if let signer {
            let bytes = manifest.encoded()
            entries = entries.map { $0.0 == "manifest.json" ? ($0.0, bytes) : $0.0 == "manifest.sig" ? ($0.0, signer.sign(bytes)) : $0 }
        }
        let writer = try ZipWriter(path: output)
        for (name, data) in entries { try writer.add(name: name, data: data) }
        try writer.finish()
    }

    func failure(_ package: String, _ key: EvidencePublicKey) -> String? {
        do {
            _ = try PackageVerifier.verify(package: package, publicKey: key)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("a package verifies offline, and fails when a fragment is removed or swapped even with the manifest re-signed by the gateway's own key")
    func packageAndTampering() async throws {
        let key = EvidenceKey.generate()
        let fixture = try RecordingFixture(evidenceKey: key)
        let media = try await RecordingFixture.media(.init(seconds: 12, keyframeSeconds: 1))
        await fixture.record(path: Self.path, tracks: media.tracks, units: media.units)
        // Another recording, for a swapped fragment.
        fixture.clock.advance(60)
        await fixture.record(path: "cam/bc-520602002", tracks: media.tracks, units: media.units)
        let file = try #require(try fixture.index.files(path: Self.path, from: nil, to: nil).first)
        let start = try #require(file.start)
        let (job, package) = try await export(fixture, key: key, from: start.addingTimeInterval(3.5), to: start.addingTimeInterval(8.5))
        #expect(job.sha256?.count == 32 && (job.size ?? 0) > 0)

        let report = try PackageVerifier.verify(package: package, publicKey: key.publicKey)
        #expect(report.sources == 1 && report.spans == 1)
        #expect((5...7).contains(report.fragments), "whole fragments covering 5 s of 1 s GOPs: \(report.fragments)")
        let manifest = try ExportManifest.decode(try ZipReader(path: package).read(try #require(try ZipReader(path: package).entry(named: "manifest.json"))))
        #expect(manifest.widenedToFragments && manifest.given.from <= manifest.requested.from && manifest.given.to >= manifest.requested.to)
        #expect(failure(package, EvidenceKey.generate().publicKey)?.contains("manifest.json") == true, "another key does not verify it")

        let work = fixture.directory.appendingPathComponent("tampered").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)

        // A fragment removed from the middle, the manifest rewritten to match and re-signed with
        // the gateway's own key: the seal still lists it.
        let removed = work + "/removed.zip"
        try rewrite(package, to: removed, signer: key) { entries, manifest in
            let middle = manifest.sources[0].fragments.remove(at: manifest.sources[0].fragments.count / 2)
            entries.removeAll { $0.0 == middle.entry }
            manifest.files.removeAll { $0.name == middle.entry }
        }
        #expect(failure(removed, key.publicKey)?.contains("missing from the package") == true, "\(failure(removed, key.publicKey) ?? "verified")")

        // A fragment swapped for one of another recording, manifest hash updated and re-signed.
        let other = try #require(try fixture.index.files(path: "cam/bc-520602002", from: nil, to: nil).first)
        let otherFragment = try #require(try fixture.index.fragments(fileID: other.id).dropFirst(2).first)
        let otherBytes = try FileHandle(forReadingFrom: fixture.directory.appendingPathComponent(other.name)).readBytes(at: otherFragment.offset, count: Int(otherFragment.length))
        let swapped = work + "/swapped.zip"
        try rewrite(package, to: swapped, signer: key) { entries, manifest in
            let target = manifest.sources[0].fragments[1].entry
            entries = entries.map { $0.0 == target ? ($0.0, otherBytes) : $0 }
            manifest.files = manifest.files.map { $0.name == target ? .init(name: target, size: Int64(otherBytes.count), sha256: otherFragment.hash.lowercaseHex) : $0 }
        }
        #expect(failure(swapped, key.publicKey)?.contains("not fragment") == true, "\(failure(swapped, key.publicKey) ?? "verified")")

        // A fragment added beyond the range (taken from the file, listed and signed).
        // A seal re-signed with another key.
        let resealed = work + "/resealed.zip"
        let stranger = EvidenceKey.generate()
        try rewrite(package, to: resealed, signer: key) { entries, manifest in
            let sealName = manifest.sources[0].seal, signatureName = manifest.sources[0].signature
            let json = try #require(entries.first { $0.0 == sealName }?.1)
            let signature = stranger.sign(json)
            entries = entries.map { $0.0 == signatureName ? ($0.0, signature) : $0 }
            manifest.files = manifest.files.map { $0.name == signatureName ? .init(name: signatureName, size: 64, sha256: FragmentChain.hash(signature).lowercaseHex) : $0 }
        }
        #expect(failure(resealed, key.publicKey)?.contains("seal") == true, "\(failure(resealed, key.publicKey) ?? "verified")")
    }

    @Test("a restricted export holds exactly the fragments of the spans allowed")
    func restrictedExport() async throws {
        let key = EvidenceKey.generate()
        let fixture = try RecordingFixture(evidenceKey: key)
        let media = try await RecordingFixture.media(.init(seconds: 12, keyframeSeconds: 1))
        await fixture.record(path: Self.path, tracks: media.tracks, units: media.units)
        let file = try #require(try fixture.index.files(path: Self.path, from: nil, to: nil).first)
        let start = try #require(file.start), end = try #require(file.end)
        let allowed = [ExportJob.AllowedSpan(from: start.addingTimeInterval(2.2), to: start.addingTimeInterval(4.8))]
        let (_, package) = try await export(fixture, key: key, from: start, to: end, allowed: allowed)
        let report = try PackageVerifier.verify(package: package, publicKey: key.publicKey)
        let expected = try fixture.index.fragments(fileID: file.id).filter { $0.start < allowed[0].to && $0.end > allowed[0].from }
        #expect(report.fragments == expected.count)
    }

    /// Submits one export to a fresh runner and waits for it to end, whatever its state.
    func runToEnd(_ fixture: RecordingFixture, key: EvidenceKey, configuration: RecordingConfiguration, from: Date, to: Date) async throws -> ExportJob {
        let runner = ExportRunner(index: fixture.index, directory: fixture.directory, sealer: EvidenceSealer(key: key, directory: fixture.directory),
                                  configuration: configuration, logger: Logger(label: "test"), now: { [clock = fixture.clock] in clock.now })
        defer { runner.shutdown() }
        let job = try runner.submit(path: Self.path, range: PlaybackRange(from: from, to: to), note: "", requestedBy: "admin", allowed: nil)
        var current = job
        try await waitFor("the export to end", timeout: .seconds(60)) {
            current = try #require(try runner.job(id: job.id)?.job)
            return current.state == .done || current.state == .failed
        }
        return current
    }

    @Test("no room for the export above recording.minFreeMiB, or a seal missing: the job fails with its reason and leaves nothing behind")
    func failuresAreCleanAndSaid() async throws {
        let key = EvidenceKey.generate()
        let fixture = try RecordingFixture(evidenceKey: key)
        let media = try await RecordingFixture.media(.init(seconds: 6))
        await fixture.record(path: Self.path, tracks: media.tracks, units: media.units)
        let file = try #require(try fixture.index.files(path: Self.path, from: nil, to: nil).first)
        let (from, to) = (try #require(file.start), try #require(file.end))
        let bytesBefore = try Data(contentsOf: fixture.directory.appendingPathComponent(file.name))

        // The work space counts against minFreeMiB: with a threshold above the disk's free space
        // the export is refused before a byte is written (as it is when recording has filled it).
        var tight = fixture.configuration
        tight.minFreeMiB = 100_000_000
        let refused = try await runToEnd(fixture, key: key, configuration: tight, from: from, to: to)
        #expect(refused.state == .failed && refused.error?.contains("not enough disk space") == true, "\(refused.error ?? "")")
        let exports = fixture.directory.appendingPathComponent(ExportRunner.directoryName).path
        #expect(try FileManager.default.contentsOfDirectory(atPath: exports).isEmpty, "no work space or package left")

        // A file without its seal cannot be exported as evidence: said, and nothing left.
        let seal = FileSeal.paths(besides: fixture.directory.appendingPathComponent(file.name).path)
        try FileManager.default.removeItem(atPath: seal.signature)
        let unsealed = try await runToEnd(fixture, key: key, configuration: fixture.configuration, from: from, to: to)
        #expect(unsealed.state == .failed && unsealed.error?.contains("has no seal") == true, "\(unsealed.error ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: exports).isEmpty)

        // The recording itself is untouched by either.
        #expect(try Data(contentsOf: fixture.directory.appendingPathComponent(file.name)) == bytesBefore)
        #expect(try RecordingVerifier.verify(directory: fixture.directory, index: fixture.index, path: nil, from: nil, to: nil).isIntact)
    }

    @Test("a finished package is removed after recording.exportRetentionHours; the job stays, expired")
    func packagesExpire() async throws {
        let key = EvidenceKey.generate()
        let fixture = try RecordingFixture(evidenceKey: key)
        let media = try await RecordingFixture.media(.init(seconds: 4))
        await fixture.record(path: Self.path, tracks: media.tracks, units: media.units)
        let file = try #require(try fixture.index.files(path: Self.path, from: nil, to: nil).first)
        let (job, package) = try await export(fixture, key: key, from: try #require(file.start), to: try #require(file.end))
        #expect(FileManager.default.fileExists(atPath: package))
        fixture.clock.advance(TimeInterval(fixture.configuration.exportRetentionHours) * 3600 + 60)
        let runner = ExportRunner(index: fixture.index, directory: fixture.directory, sealer: EvidenceSealer(key: key, directory: fixture.directory),
                                  configuration: fixture.configuration, logger: Logger(label: "test"), now: { [clock = fixture.clock] in clock.now })
        defer { runner.shutdown() }
        try await waitFor("the package to expire") { try runner.job(id: job.id)?.job.state == .expired }
        #expect(!FileManager.default.fileExists(atPath: package))
    }

    @Test("a job running when the gateway stopped runs again at the next start; its old work space is removed")
    func restartRerunsAJob() async throws {
        let key = EvidenceKey.generate()
        let fixture = try RecordingFixture(evidenceKey: key)
        let media = try await RecordingFixture.media(.init(seconds: 6))
        await fixture.record(path: Self.path, tracks: media.tracks, units: media.units)
        let file = try #require(try fixture.index.files(path: Self.path, from: nil, to: nil).first)
        var job = try fixture.index.createExport(path: Self.path, from: try #require(file.start), to: try #require(file.end), note: "",
                                                 requestedBy: "admin", incidentID: nil, at: Date(), allowed: nil)
        job.state = .running
        job.progress = 0.4
        try fixture.index.updateExport(job)
        let stale = fixture.directory.appendingPathComponent(".exports/\(job.id).tmp")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
        try Data("half a package".utf8).write(to: stale.appendingPathComponent("package.zip"))
        let runner = ExportRunner(index: fixture.index, directory: fixture.directory, sealer: EvidenceSealer(key: key, directory: fixture.directory),
                                  configuration: fixture.configuration, logger: Logger(label: "test"), now: { [clock = fixture.clock] in clock.now })
        defer { runner.shutdown() }
        try await waitFor("the job to run again", timeout: .seconds(60)) { try runner.job(id: job.id)?.job.state == .done }
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        #expect(try PackageVerifier.verify(package: runner.packagePath(job), publicKey: key.publicKey).sources == 1)
        // Recovery of the recording directory ignores the export work space.
        #expect(try RecordingRecovery.run(directory: fixture.directory, index: fixture.index, now: Date(), logger: Logger(label: "test")).lines.isEmpty)
    }
}

extension FileHandle {
    func readBytes(at offset: Int64, count: Int) throws -> Data {
        try seek(toOffset: UInt64(offset))
        return try read(upToCount: count) ?? Data()
    }
}
