import Foundation
import Recording
import TestSupport
import Testing

@Suite("fieldrelay recordings list|verify: the built executable on a real recording")
struct RecordingsCommandTests {
    static var executable: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/fieldrelay").path
    }

    @Test("list and verify from <data>/recordings; verify exits 1 naming the file after one byte changes")
    func listAndVerify() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build the fieldrelay product first")
        let fixture = try RecordingFixture()
        let (tracks, units) = try await RecordingFixture.media(Clips.Spec(seconds: 4, keyframeSeconds: 1))
        await fixture.record(path: "cam/bc-0001", tracks: tracks, units: units)
        let file = try #require(try fixture.index.files(path: nil, from: nil, to: nil).first)
        // <data>/recordings is where the server puts them by default.
        let data = try ScratchDirectory()
        try FileManager.default.createSymbolicLink(at: data.url.appendingPathComponent("recordings"), withDestinationURL: fixture.directory)

        let (listed, listing, _) = try await Subprocess.run(Self.executable, ["recordings", "list", "--data", data.url.path, "--json"])
        #expect(listed == 0)
        let items = try #require(try JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [[String: Any]])
        #expect(items.count == 1)
        #expect(items.first?["name"] as? String == file.name && items.first?["state"] as? String == "sealed")

        let (textStatus, text, _) = try await Subprocess.run(Self.executable, ["recordings", "list", "--directory", fixture.directory.path,
                                                                               "--path", "cam/bc-0001"])
        #expect(textStatus == 0 && text.contains(file.name) && text.contains("1 file(s)"))

        let (ok, out, _) = try await Subprocess.run(Self.executable, ["recordings", "verify", "--data", data.url.path])
        #expect(ok == 0, "\(out)")
        #expect(out.contains("verified 1 files, \(file.fragmentCount) fragments, ledger of 2 entries, 0 anchors: intact"))

        let row = try fixture.index.fragments(fileID: file.id)[1]
        try RecordingDamage.flipByte(fixture.directory.appendingPathComponent(file.name), at: row.offset + row.length / 2)
        let (failed, report, _) = try await Subprocess.run(Self.executable, ["recordings", "verify", "--data", data.url.path])
        #expect(failed == 1)
        #expect(report.contains("FAILED: \(file.name): fragment 1 (offset \(row.offset)"), "\(report)")

        let (bad, _, complaint) = try await Subprocess.run(Self.executable, ["recordings", "verify", "--data", data.url.path, "--from", "yesterday"])
        #expect(bad != 0 && complaint.contains("--from"))

        let (missing, _, why) = try await Subprocess.run(Self.executable, ["recordings", "verify", "--data", data.url.appendingPathComponent("none").path])
        #expect(missing == 2 && why.contains("no recording index"))
    }
}
