import Crypto
import Evidence
import Foundation
import Logging
import MediaRemux
#if canImport(Glibc)
import Glibc
#endif

/// Writes one export package (a ZIP, ZIP64 when large) in the job's work directory:
///
///     README.txt                        how to check it, in Chinese and English
///     key.pem                           the gateway's public key (check its id against one obtained independently)
///     recording/<file>/init.mp4         each source file's init section, byte for byte
///     recording/<file>/000012.m4s       its fragments in the range, byte for byte
///     seals/<file>.seal.json|.seal.sig  each source file's seal, as signed when the file was sealed
///     video/span-1.mp4                  one MP4 per continuous span (libavformat remux, faststart)
///     SHA256SUMS, SHA256SUMS.sig        for `sha256sum -c` and `openssl pkeyutl -verify`
///     manifest.json, manifest.sig       everything above with its SHA-256, signed
///
/// Every byte copied from a recording is hashed on the way and compared with its index hash: an
/// altered fragment fails the export rather than being exported. Free space is checked before
/// each file: the work space counts against `recording.minFreeMiB`, so recording is never the
/// one to run out.
struct ExportBuilder {
    let job: ExportJob
    let plan: ExportPlan
    let directory: URL
    let work: URL
    let sealer: EvidenceSealer
    let minFreeBytes: Int64
    let now: @Sendable () -> Date
    let logger: Logger
    let progress: (Double) -> Void

    struct Package {
        var path: String
        var size: Int64
        var sha256: Data
    }

    func build() throws -> Package {
        // Originals, their MP4 copies (about as large) and slack for the rest.
        let estimate = plan.bytes * 2 + 1_048_576
        try checkSpace(needing: estimate)
        let zipPath = work.appendingPathComponent("package.zip").path
        let zip = try ZipWriter(path: zipPath)
        do {
            var entries: [ExportManifest.Entry] = []
            func note(_ summary: ZipEntrySummary) {
                entries.append(.init(name: summary.name, size: summary.size, sha256: summary.sha256.lowercaseHex))
                progress(min(0.99, Double(zip.bytesWritten) / Double(max(1, estimate))))
            }
            note(try zip.add(name: "README.txt", data: Data(readme.utf8)))
            note(try zip.add(name: "key.pem", data: Data(sealer.key.publicKey.pem.utf8)))
            var sources: [ExportManifest.Source] = []
            for source in plan.sources {
                try checkSpace(needing: 0)
                sources.append(try copy(source, into: zip, note: note))
            }
            var spans: [ExportManifest.Span] = []
            for (number, span) in continuousSpans().enumerated() {
                try checkSpace(needing: span.reduce(0) { $0 + $1.fragment.length } * 2)
                let summary = try convenienceMP4(span, number: number + 1, into: zip)
                note(summary)
                spans.append(.init(from: RecordingTime.format(span.first!.fragment.start), to: RecordingTime.format(span.last!.fragment.end),
                                   mp4: summary.name))
            }
            let sums = entries.map { "\($0.sha256)  \($0.name)\n" }.joined()
            note(try zip.add(name: "SHA256SUMS", data: Data(sums.utf8)))
            note(try zip.add(name: "SHA256SUMS.sig", data: sealer.key.sign(Data(sums.utf8))))
            let manifest = ExportManifest(
                id: job.id, keyId: sealer.key.publicKey.id, path: job.path, note: job.note, exportedBy: job.requestedBy,
                exportedAt: RecordingTime.format(now()),
                requested: .init(from: RecordingTime.format(job.from), to: RecordingTime.format(job.to)),
                given: .init(from: RecordingTime.format(plan.given.from), to: RecordingTime.format(plan.given.to)),
                included: plan.included.map { .init(from: RecordingTime.format($0.from), to: RecordingTime.format($0.to)) },
                gaps: plan.gaps.map { .init(from: RecordingTime.format($0.from), to: RecordingTime.format($0.to)) },
                sources: sources, spans: spans, files: entries)
            let manifestBytes = manifest.encoded()
            try zip.add(name: "manifest.json", data: manifestBytes)
            try zip.add(name: "manifest.sig", data: sealer.key.sign(manifestBytes))
            try zip.finish()
        } catch {
            zip.abort()
            throw error
        }
        return Package(path: zipPath, size: try fileSize(zipPath), sha256: try hashFile(zipPath))
    }

    /// Init section, fragments and seal of one recording file, each hash checked against the index.
    func copy(_ source: ExportPlan.Source, into zip: ZipWriter, note: (ZipEntrySummary) -> Void) throws -> ExportManifest.Source {
        let file = source.file
        let full = directory.appendingPathComponent(file.name).path
        let stem = "recording/" + (file.name.hasSuffix(".mp4") ? String(file.name.dropLast(4)) : file.name)
        let initSummary = try zip.add(name: "\(stem)/init.mp4", file: full, offset: 0, length: file.initLength)
        guard initSummary.sha256 == file.initHash else {
            throw RecordingError(.integrity, "\(file.name): the init section does not match its recorded hash (altered on disk?): not exported")
        }
        note(initSummary)
        var fragments: [ExportManifest.Source.Fragment] = []
        for fragment in source.fragments {
            let name = "\(stem)/\(String(format: "%06d", fragment.sequence)).m4s"
            let summary = try zip.add(name: name, file: full, offset: fragment.offset, length: fragment.length)
            guard summary.sha256 == fragment.hash else {
                throw RecordingError(.integrity, "\(file.name): fragment \(fragment.sequence) does not match its recorded hash (altered on disk?): not exported")
            }
            note(summary)
            fragments.append(.init(sequence: fragment.sequence, entry: name))
        }
        // The seal as signed when the file was sealed: checked here so a broken one fails the export, not the verifier.
        let paths = FileSeal.paths(besides: full)
        guard let sealBytes = FileManager.default.contents(atPath: paths.json), let signature = FileManager.default.contents(atPath: paths.signature) else {
            throw RecordingError(.integrity, "\(file.name) has no seal beside it (\(file.name).seal.json): it cannot be exported as evidence")
        }
        guard sealer.key.publicKey.verify(signature, of: sealBytes) else {
            throw RecordingError(.integrity, "the seal of \(file.name) does not verify with the current evidence key \(sealer.key.publicKey.id)")
        }
        let seal = try FileSeal.decode(sealBytes)
        if let problem = seal.inconsistency { throw RecordingError(.integrity, "the seal of \(file.name): \(problem)") }
        for fragment in source.fragments where fragment.sequence >= seal.fragments.count
            || seal.fragments[fragment.sequence].sha256 != fragment.hash.lowercaseHex {
            throw RecordingError(.integrity, "the seal of \(file.name) does not list fragment \(fragment.sequence) as indexed")
        }
        let sealName = "seals/\(file.name).seal.json", signatureName = "seals/\(file.name).seal.sig"
        note(try zip.add(name: sealName, data: sealBytes))
        note(try zip.add(name: signatureName, data: signature))
        return .init(file: file.name, seal: sealName, signature: signatureName, initSection: "\(stem)/init.mp4", fragments: fragments)
    }

    /// Runs of fragments a player plays without a break: consecutive in time (no gap) and sharing
    /// an init section (same bytes: a file cut by `fileMinutes` continues; a new publisher does not).
    func continuousSpans() -> [[(file: RecordedFile, fragment: RecordedFragment)]] {
        var spans: [[(file: RecordedFile, fragment: RecordedFragment)]] = []
        var previous: (file: RecordedFile, fragment: RecordedFragment)?
        for source in plan.sources {
            for fragment in source.fragments {
                let continues = previous.map { last in
                    last.file.initHash == source.file.initHash
                        && fragment.start.timeIntervalSince(last.fragment.end) <= PlaybackPlan.gapThreshold
                        && (last.file.id != source.file.id || fragment.sequence == last.fragment.sequence + 1)
                } ?? false
                if continues { spans[spans.count - 1].append((source.file, fragment)) } else { spans.append([(source.file, fragment)]) }
                previous = (source.file, fragment)
            }
        }
        return spans
    }

    /// Init + fragments into a fragmented MP4, then libavformat's remux to a plain MP4 (faststart).
    func convenienceMP4(_ span: [(file: RecordedFile, fragment: RecordedFragment)], number: Int, into zip: ZipWriter) throws -> ZipEntrySummary {
        let fragmented = work.appendingPathComponent("span-\(number).fmp4").path
        let output = work.appendingPathComponent("span-\(number).mp4").path
        defer {
            unlink(fragmented)
            unlink(output)
        }
        let fd = try DiskFile.create(fragmented)
        do {
            var offset: Int64 = 0
            let first = span[0].file
            let firstPath = directory.appendingPathComponent(first.name).path
            try copyRange(from: firstPath, offset: 0, length: first.initLength, to: fd, at: &offset, outputPath: fragmented)
            for (file, fragment) in span {
                try copyRange(from: directory.appendingPathComponent(file.name).path, offset: fragment.offset, length: fragment.length,
                              to: fd, at: &offset, outputPath: fragmented)
            }
            close(fd)
        } catch {
            close(fd)
            throw error
        }
        do {
            _ = try MP4Remux.remux(input: fragmented, output: output)
        } catch {
            throw RecordingError(.storage, "the convenience MP4 of span \(number) could not be made: \(error)")
        }
        return try zip.add(name: "video/span-\(number).mp4", file: output)
    }

    func copyRange(from path: String, offset: Int64, length: Int64, to fd: Int32, at position: inout Int64, outputPath: String) throws {
        let input = try DiskFile.openForReading(path)
        defer { close(input) }
        var done: Int64 = 0
        while done < length {
            let chunk = Int(min(1_048_576, length - done))
            let bytes = try DiskFile.read(input, at: offset + done, length: chunk, path: path)
            guard bytes.count == chunk else { throw RecordingError(.storage, "\(path): shorter than its index says") }
            try DiskFile.write(fd, bytes, at: position, path: outputPath)
            position += Int64(chunk)
            done += Int64(chunk)
        }
    }

    func checkSpace(needing bytes: Int64) throws {
        guard let free = DiskFile.freeBytes(directory.path) else { return }
        guard free - bytes >= minFreeBytes else {
            throw RecordingError(.storage, "not enough disk space for the export: \(free / 1_048_576) MiB free, it needs about "
                                 + "\(bytes / 1_048_576 + 1) MiB more and recording.minFreeMiB keeps \(minFreeBytes / 1_048_576) MiB for recording")
        }
    }

    func fileSize(_ path: String) throws -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw RecordingError(.storage, "\(path): \(String(cString: strerror(errno)))") }
        return Int64(info.st_size)
    }

    func hashFile(_ path: String) throws -> Data {
        let fd = try DiskFile.openForReading(path)
        defer { close(fd) }
        var hasher = SHA256()
        var offset: Int64 = 0
        while true {
            let bytes = try DiskFile.read(fd, at: offset, length: 1_048_576, path: path)
            if bytes.isEmpty { break }
            hasher.update(data: bytes)
            offset += Int64(bytes.count)
        }
        return Data(hasher.finalize())
    }

    var readme: String {
        let key = sealer.key.publicKey.id
        return """
        FieldRelay evidence export \(job.id) — \(job.path), \(RecordingTime.format(plan.given.from)) to \(RecordingTime.format(plan.given.to))
        FieldRelay 证据导出 \(job.id) — \(job.path)，\(RecordingTime.format(plan.given.from)) 至 \(RecordingTime.format(plan.given.to))

        Signed with the gateway's Ed25519 key \(key). Obtain the public key (PEM) from the gateway's
        operator or GET /api/v1/evidence/public-key, not only from key.pem in this package, and check its id:
        由网关的 Ed25519 密钥 \(key) 签名。请从网关运维方或 GET /api/v1/evidence/public-key 获取公钥（PEM），
        不要只依赖本包中的 key.pem，并核对其编号：
            openssl pkey -pubin -in key.pem -outform DER | sha256sum | cut -c1-16     →  \(key)

        1. With FieldRelay on any machine (no server or database needed) / 在任意机器上用 FieldRelay 校验（无需服务器或数据库）:
            fieldrelay evidence verify THIS.zip --public-key key.pem

        2. By hand, after unzipping / 解压后手工校验:
            openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in manifest.json -sigfile manifest.sig
            openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig
            sha256sum -c SHA256SUMS
            for s in seals/*/*/*/*.seal.json; do openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in "$s" -sigfile "${s%.json}.sig"; done
           Each seal was signed when its recording file was sealed; it lists the SHA-256 of the file's init
           section and of every fragment in order. The fragments under recording/ are those files' bytes, as recorded.
           每个封签在录像文件封存时签名，列出文件初始化段及每个片段的 SHA-256；recording/ 下的片段即原始录像字节。

        video/span-N.mp4: for watching only (remuxed, not transcoded); the evidence is the fragments and their seals.
        video/span-N.mp4 仅供观看（重新封装，未转码）；证据为原始片段及其封签。

        Range asked / 请求时间段: \(RecordingTime.format(job.from)) – \(RecordingTime.format(job.to)), widened to whole fragments / 按整片段扩展.
        Exported by / 导出者: \(job.requestedBy). Note / 备注: \(job.note)

        """
    }
}
