import Evidence
import Foundation
import Recording
import RecordingStore
import TestSupport
import RelayApp
import Testing

/// Evidence export as a duty officer and a third party would use it: ffmpeg publishing over SRT,
/// the REST API, the package checked with `fieldrelay evidence verify` given only the PEM key,
/// and by hand with unzip, sha256sum and openssl; the convenience MP4 with ffprobe and ffmpeg.
@Suite("Evidence export: a package a third party can verify offline", .serialized)
struct EvidenceExportEndToEndTests {
    static let bodyCam = "cam/bc-520602001"

    func index(_ gateway: RunningGateway) throws -> RecordingDatabase {
        try RecordingDatabase(directory: URL(fileURLWithPath: gateway.dataDirectory).appendingPathComponent("recordings"), readOnly: true)
    }

    func sh(_ script: String) async throws -> (Int32, String, String) {
        try await Subprocess.run("/bin/sh", ["-c", script])
    }

    /// Runs `body` with a gateway and stops it after, also when `body` throws (a stop left to a
    /// task racing the test process's exit crashed it).
    func withGateway(_ configure: (inout RelayConfiguration) -> Void = { _ in }, _ body: (RunningGateway) async throws -> Void) async throws {
        let gateway = try await RunningGateway.start(configure)
        do {
            try await body(gateway)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    @Test("14 s exported from a 30 s recording verifies by CLI and by hand; the MP4 plays; five kinds of tampering are caught")
    func exportAndVerify() async throws {
        try await withGateway { gateway in try await exportAndVerify(gateway) }
    }

    func exportAndVerify(_ gateway: RunningGateway) async throws {
        let work = gateway.dataDirectory + "/../fieldrelay-export-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let admin = gateway.client(gateway.adminToken)

        // The key a third party is given: from the API, and the same from the CLI.
        let keyReply = try await HTTPClient.get("\(gateway.baseURL)/api/v1/evidence/public-key")
        #expect(keyReply.status == 200)
        let keyPath = work + "/key.pem"
        try keyReply.body.write(to: URL(fileURLWithPath: keyPath))
        let (opensslKey, _, opensslError) = try await Subprocess.run("openssl", ["pkey", "-pubin", "-in", keyPath, "-noout"])
        #expect(opensslKey == 0, "openssl reads the key: \(opensslError)")
        let (cli, cliKey, _) = try await Subprocess.run(RunningGateway.executable, ["evidence", "public-key", "--data", gateway.dataDirectory])
        #expect(cli == 0 && cliKey == keyReply.text)
        let keyId = try #require(keyReply.header("X-Evidence-Key-Id"))
        let (_, idByHand, _) = try await sh("openssl pkey -pubin -in '\(keyPath)' -outform DER | sha256sum | cut -c1-16")
        #expect(idByHand.trimmingCharacters(in: .whitespacesAndNewlines) == keyId)

        // 30 s of a body camera (recorded by rule): one 34 s clip, not a loop (ffmpeg's
        // -stream_loop repeats timestamps at the seam, which a strict decode check reports).
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 34, keyframeSeconds: 1))
        let camera = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.bodyCam))
        defer { camera.terminate() }
        let index = try index(gateway)
        var file: RecordedFile?
        try await waitFor("30 s recorded", timeout: .seconds(60)) {
            file = try index.files(path: Self.bodyCam, from: nil, to: nil).first
            guard let start = file?.start, let end = file?.end else { return false }
            return end.timeIntervalSince(start) >= 30
        }
        camera.terminate()
        let recorded = try #require(file)
        try await waitFor("the file sealed", timeout: .seconds(30)) { try index.file(id: recorded.id)?.isSealed == true }
        let sealed = try #require(try index.file(id: recorded.id))
        let start = try #require(sealed.start)

        // The seal beside the file verifies with openssl and the key from the API.
        let filePath = gateway.dataDirectory + "/recordings/" + sealed.name
        let (sealCheck, sealOutput, _) = try await Subprocess.run("openssl", [
            "pkeyutl", "-verify", "-pubin", "-inkey", keyPath, "-rawin", "-in", filePath + ".seal.json", "-sigfile", filePath + ".seal.sig"])
        #expect(sealCheck == 0, "the seal beside the file: \(sealOutput)")

        // Export 14 s from the middle, for an incident.
        let township = gateway.client(try await gateway.organisationToken("520602001"))
        let incident = try #require(try await township.must("POST", "/api/v1/incidents", [
            "villageCode": "520602001201", "category": "natural_disaster", "grade": "IV",
            "title": "Bridge collapse", "report": "the body camera saw it"]).string("id"))
        let from = start.addingTimeInterval(8.3), to = start.addingTimeInterval(22.3)
        let created = try await admin.request("POST", "/api/v1/exports", json: [
            "path": Self.bodyCam, "from": RecordingTime.format(from), "to": RecordingTime.format(to),
            "note": "bridge collapse, for the inquiry", "incident": incident])
        #expect(created.status == 202, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        var status: [String: Any] = [:]
        try await waitFor("the export done", timeout: .seconds(90)) {
            status = try await admin.must("GET", "/api/v1/exports/\(id)")
            if status["state"] as? String == "failed" { throw TestFailure("export failed: \(status["error"] ?? "")") }
            return status["state"] as? String == "done"
        }
        let download = try await admin.request("GET", "/api/v1/exports/\(id)/download")
        #expect(download.status == 200 && download.body.prefix(2) == Data("PK".utf8))
        let package = work + "/export.zip"
        try download.body.write(to: URL(fileURLWithPath: package))
        #expect(FragmentChain.hash(download.body).lowercaseHex == status["sha256"] as? String, "the download is the package the job reported")

        // Offline, with nothing but the package and the PEM key.
        let (verified, verifyOutput, verifyError) = try await Subprocess.run(RunningGateway.executable, ["evidence", "verify", package, "--public-key", keyPath])
        #expect(verified == 0, "verify: \(verifyOutput) \(verifyError)")

        // By hand: unzip, openssl for the signatures, sha256sum for every file.
        let unpacked = work + "/unpacked"
        let (unzipped, _, unzipError) = try await Subprocess.run("unzip", ["-q", package, "-d", unpacked])
        #expect(unzipped == 0, "unzip: \(unzipError)")
        let (byHand, byHandOutput, byHandError) = try await sh("""
            cd '\(unpacked)' && openssl pkeyutl -verify -pubin -inkey '\(keyPath)' -rawin -in manifest.json -sigfile manifest.sig \
            && openssl pkeyutl -verify -pubin -inkey '\(keyPath)' -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig \
            && sha256sum --quiet -c SHA256SUMS \
            && for s in seals/*/*/*/*.seal.json; do openssl pkeyutl -verify -pubin -inkey '\(keyPath)' -rawin -in "$s" -sigfile "${s%.json}.sig" || exit 1; done
            """)
        #expect(byHand == 0, "by hand: \(byHandOutput) \(byHandError)")

        // The convenience MP4: within one fragment (1 s GOPs) of the 14 s asked, and decodes cleanly.
        let mp4 = unpacked + "/video/span-1.mp4"
        let (_, duration, _) = try await Subprocess.run("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", mp4])
        let seconds = try #require(Double(duration.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(seconds >= 13.5 && seconds <= 16.5, "the MP4 lasts \(seconds) s for 14 s asked")
        let (decoded, _, decodeErrors) = try await Subprocess.run("ffmpeg", ["-v", "error", "-i", mp4, "-f", "null", "-"])
        #expect(decoded == 0 && decodeErrors.isEmpty, "decoding the MP4: \(decodeErrors)")

        // Tampering: each copy must fail verification, naming what failed.
        let reader = try ZipReader(path: package)
        let manifest = try ExportManifest.decode(try reader.read(try #require(reader.entry(named: "manifest.json"))))
        let fragments = manifest.sources.flatMap(\.fragments)
        try #require(fragments.count >= 14)
        func verify(_ path: String) async throws -> (Int32, String) {
            let (code, output, error) = try await Subprocess.run(RunningGateway.executable, ["evidence", "verify", path, "--public-key", keyPath])
            return (code, output + error)
        }
        func copy(_ name: String, _ change: (inout [(String, Data)]) throws -> Void) throws -> String {
            var entries: [(String, Data)] = try reader.entries.map { ($0.name, try reader.read($0)) }
            try change(&entries)
            let path = work + "/" + name
            let writer = try ZipWriter(path: path)
            for (entry, data) in entries { try writer.add(name: entry, data: data) }
            try writer.finish()
            return path
        }
        func flipByte(of entryName: String, into name: String) throws -> String {
            try copy(name) { entries in
                entries = entries.map { entry in
                    guard entry.0 == entryName else { return entry }
                    var data = entry.1
                    data[data.count / 2] ^= 0x01
                    return (entry.0, data)
                }
            }
        }
        let middle = fragments[fragments.count / 2].entry
        let (fragmentCode, fragmentOutput) = try await verify(try flipByte(of: middle, into: "fragment-byte.zip"))
        #expect(fragmentCode == 1 && fragmentOutput.contains(middle), "one byte of a fragment: \(fragmentOutput)")
        let (mp4Code, mp4Output) = try await verify(try flipByte(of: "video/span-1.mp4", into: "mp4-byte.zip"))
        #expect(mp4Code == 1 && mp4Output.contains("video/span-1.mp4"), "one byte of the MP4: \(mp4Output)")

        let stranger = EvidenceKey.generate()
        let (resignedCode, resignedOutput) = try await verify(try copy("resigned.zip") { entries in
            var edited = manifest
            edited.note = "nothing happened here"
            let bytes = edited.encoded()
            entries = entries.map { $0.0 == "manifest.json" ? ($0.0, bytes) : $0.0 == "manifest.sig" ? ($0.0, stranger.sign(bytes)) : $0 }
        })
        #expect(resignedCode == 1 && resignedOutput.contains("manifest.json"), "manifest edited and re-signed with another key: \(resignedOutput)")

        let (removedCode, removedOutput) = try await verify(try copy("removed.zip") { entries in entries.removeAll { $0.0 == middle } })
        #expect(removedCode == 1 && removedOutput.contains(middle), "a fragment removed from the middle: \(removedOutput)")

        // A fragment of another recording: the same camera's file, from outside the range.
        let outside = try #require(try index.fragments(fileID: sealed.id).first)
        let foreign = try FileHandle(forReadingFrom: URL(fileURLWithPath: filePath)).readBytes(at: outside.offset, count: Int(outside.length))
        let swappedEntry = fragments[2].entry
        let (swappedCode, swappedOutput) = try await verify(try copy("swapped.zip") { entries in
            entries = entries.map { $0.0 == swappedEntry ? ($0.0, foreign) : $0 }
        })
        #expect(swappedCode == 1 && swappedOutput.contains(swappedEntry), "a fragment swapped: \(swappedOutput)")

        // The record: asked, finished (with the package's hash) and downloaded.
        let events = try await admin.must("GET", "/api/v1/incidents/\(incident)/events").objects("events")
        let kinds = Set(events.filter { ($0["detail"] as? [String: Any])?["export"] as? String == id }.compactMap { $0.string("kind") })
        #expect(kinds.isSuperset(of: ["export.requested", "export.finished", "export.downloaded"]), "events: \(kinds)")
    }

    @Test("the evidence key missing beside existing seals: the start stops and says so, never a silent new key")
    func missingKeyStopsTheStart() async throws {
        let gateway = try await RunningGateway.start()
        let data = gateway.dataDirectory
        defer { try? FileManager.default.removeItem(atPath: data) }
        let clip = try await Clips.make(.init(video: .h264, audio: false, seconds: 4, keyframeSeconds: 1))
        let camera = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.bodyCam))
        let index = try index(gateway)
        do {
            try await waitFor("a file sealed", timeout: .seconds(30)) {
                try index.files(path: Self.bodyCam, from: nil, to: nil).contains { $0.isSealed }
            }
        } catch {
            camera.terminate()
            await gateway.stop()
            throw error
        }
        await camera.wait()
        await gateway.stop(keepData: true)
        try FileManager.default.removeItem(atPath: data + "/evidence.key")
        do {
            let restarted = try await RunningGateway.start(dataDirectory: data)
            await restarted.stop(keepData: true)
            Issue.record("the gateway started with its evidence key missing beside sealed recordings")
        } catch {
            #expect("\(error)".contains("evidence.key is missing"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: data + "/evidence.key"), "no new key was made")
    }

    @Test("refusals: nothing recorded 404, too long / reversed / future / malformed 400 naming the field, outsiders 403, others' jobs 404")
    func refusals() async throws {
        try await withGateway({ $0.recording.maxExportMinutes = 10 }) { gateway in try await refusals(gateway) }
    }

    func refusals(_ gateway: RunningGateway) async throws {
        let admin = gateway.client(gateway.adminToken)
        let clip = try await Clips.make(.init(video: .h264, audio: false, seconds: 6, keyframeSeconds: 1))
        let camera = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.bodyCam), loop: true)
        defer { camera.terminate() }
        let index = try index(gateway)
        try await waitFor("something recorded", timeout: .seconds(30)) { try index.files(path: Self.bodyCam, from: nil, to: nil).first?.end != nil }
        let now = Date()
        func post(_ client: ReportingClient, _ body: [String: Any]) async throws -> ReportingClient.Reply {
            try await client.request("POST", "/api/v1/exports", json: body)
        }
        func format(_ date: Date) -> String { RecordingTime.format(date) }
        let empty = try await post(admin, ["path": Self.bodyCam, "from": format(now.addingTimeInterval(-7200)), "to": format(now.addingTimeInterval(-7100))])
        #expect(empty.status == 404 && empty.text.contains(format(now.addingTimeInterval(-7200))), "\(empty.text)")
        let long = try await post(admin, ["path": Self.bodyCam, "from": format(now.addingTimeInterval(-3600)), "to": format(now)])
        #expect(long.status == 400 && long.json["code"] as? String == "invalid_to", "\(long.text)")
        let reversed = try await post(admin, ["path": Self.bodyCam, "from": format(now), "to": format(now.addingTimeInterval(-60))])
        #expect(reversed.status == 400 && reversed.json["code"] as? String == "invalid_to", "\(reversed.text)")
        let future = try await post(admin, ["path": Self.bodyCam, "from": format(now.addingTimeInterval(3600)), "to": format(now.addingTimeInterval(3700))])
        #expect(future.status == 400 && future.json["code"] as? String == "invalid_from", "\(future.text)")
        let malformed = try await post(admin, ["path": Self.bodyCam, "from": "yesterday", "to": format(now)])
        #expect(malformed.status == 400 && malformed.json["code"] as? String == "invalid_from", "\(malformed.text)")
        let badPath = try await post(admin, ["path": "../../etc/passwd", "from": format(now.addingTimeInterval(-60)), "to": format(now)])
        #expect(badPath.status == 400 && badPath.json["code"] as? String == "invalid_path", "\(badPath.text)")

        // Another county's hall may not export this camera; the township (jurisdiction) may.
        let outsider = gateway.client(try await gateway.organisationToken("520603"))
        let refused = try await post(outsider, ["path": Self.bodyCam, "from": format(now.addingTimeInterval(-20)), "to": format(now)])
        #expect(refused.status == 403, "\(refused.text)")
        let township = gateway.client(try await gateway.organisationToken("520602001"))
        let created = try await post(township, ["path": Self.bodyCam, "from": format(now.addingTimeInterval(-20)), "to": format(now)])
        #expect(created.status == 202, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        #expect(try await outsider.request("GET", "/api/v1/exports/\(id)").status == 404, "another organisation's job is not shown")
        #expect(try await admin.request("GET", "/api/v1/exports/\(id)").status == 200)
        #expect(try await township.request("GET", "/api/v1/exports/exp-999999").status == 404)
        let early = try await township.request("GET", "/api/v1/exports/\(id)/download")
        #expect([409, 200].contains(early.status), "a download before the job is done: 409 (\(early.status))")
    }
}

extension FileHandle {
    func readBytes(at offset: Int64, count: Int) throws -> Data {
        try seek(toOffset: UInt64(offset))
        return try read(upToCount: count) ?? Data()
    }
}
