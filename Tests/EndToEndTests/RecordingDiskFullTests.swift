import Foundation
import Recording
import RecordingStore
import TestSupport
import Testing

/// A full recording disk: a small tmpfs as `recording.directory`, filled while a camera streams.
/// Recording stops with a ledger entry and a status that says so, live delivery loses nothing,
/// and recording resumes by itself when space returns.
@Suite("Recording: a full disk stops recording, never live delivery", .serialized)
struct RecordingDiskFullTests {
    static let bodyCam = "cam/bc-520602001"

    @Test("full disk: live playlists continue with no missing segment; recording stops and resumes")
    func fullDisk() async throws {
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("fieldrelay-smalldisk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        // A 48 MiB tmpfs: a real ENOSPC as well as the threshold. Without the privilege to mount
        // (CI runs as root; a container may still refuse), the temporary directory's own file
        // system stands in, with the threshold set just below its free space at the start.
        let (mounted, _, mountError) = try await Subprocess.run("mount", ["-t", "tmpfs", "-o", "size=48m", "tmpfs", mountPoint.path])
        let onTmpfs = mounted == 0
        defer {
            _ = try? FileManager.default.removeItem(at: mountPoint.appendingPathComponent("filler"))
            if onTmpfs { _ = umount(mountPoint.path) }
            try? FileManager.default.removeItem(at: mountPoint)
        }
        var minFree = 16
        if !onTmpfs {
            print("RecordingDiskFullTests: cannot mount a tmpfs (\(mountError.trimmingCharacters(in: .whitespacesAndNewlines))); using the temporary directory's file system")
            minFree = try #require(freeMiB(mountPoint)) - 64
        }
        let threshold = minFree
        let gateway = try await RunningGateway.start {
            $0.recording.directory = mountPoint.path
            $0.recording.minFreeMiB = threshold
        }
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 8, keyframeSeconds: 1))
        let camera = try gateway.publish(clip, url: try await gateway.provisionedURL(Self.bodyCam), loop: true)
        defer { camera.terminate() }
        let admin = gateway.client(gateway.adminToken)
        func state() async throws -> String? { try await admin.must("GET", "/api/v1/recordings/status").string("state") }

        // A hall watches the classic playlist throughout; every segment listed must be fetched.
        let watcher = Task { () -> (sequences: [Int], failures: [String]) in
            var seen: [Int: String] = [:]
            var failures: [String] = []
            while !Task.isCancelled {
                if let reply = try? await HTTPClient.get("\(gateway.baseURL)/hls/\(Self.bodyCam)/ts.m3u8?token=\(gateway.adminToken)"), reply.status == 200 {
                    let playlist = ParsedPlaylist(reply.text)
                    for (offset, segment) in playlist.segments.enumerated() where seen[playlist.mediaSequence + offset] == nil {
                        seen[playlist.mediaSequence + offset] = segment.uri
                        let url = segment.uri.hasPrefix("http") ? segment.uri : "\(gateway.baseURL)/hls/\(Self.bodyCam)/\(segment.uri)"
                        let status = (try? await HTTPClient.get(url).status) ?? 0
                        if status != 200 { failures.append("\(segment.uri): \(status)") }
                    }
                }
                try? await Task.sleep(for: .milliseconds(400))
            }
            return (seen.keys.sorted(), failures)
        }

        let index = try RecordingDatabase(directory: mountPoint, readOnly: false)
        try await waitFor("recording") { try index.files(path: Self.bodyCam, from: nil, to: nil).first?.fragmentCount ?? 0 >= 2 }
        // Fill the disk to just above the threshold: the next fragments cross it.
        let free = Int64(try #require(freeMiB(mountPoint)))
        try Data(count: Int(max(0, free - Int64(threshold) - 1) * 1_048_576)).write(to: mountPoint.appendingPathComponent("filler"))
        try await waitFor("the disk-low state", timeout: .seconds(30)) { try await state() == "disk-low" }
        #expect(try await gateway.metric("fieldrelay_recording_disk_low") == 1)
        #expect(try await gateway.metric("fieldrelay_recording_fragments_dropped_total") ?? 0 >= 1)
        let filesWhenLow = try index.files(path: Self.bodyCam, from: nil, to: nil)
        #expect(filesWhenLow.allSatisfy { $0.isSealed }, "the open file is sealed when the disk runs low")
        try await Task.sleep(for: .seconds(4))
        if onTmpfs {
            // (On a shared file system other tests' files come and go and may move free space.)
            #expect(try index.files(path: Self.bodyCam, from: nil, to: nil).count == filesWhenLow.count, "nothing new is written while low")
        }

        try FileManager.default.removeItem(at: mountPoint.appendingPathComponent("filler"))
        try await waitFor("recording to resume", timeout: .seconds(30)) { try await state() == "recording" }
        try await waitFor("a new file after the resumption") {
            try index.files(path: Self.bodyCam, from: nil, to: nil).count > filesWhenLow.count
        }
        #expect(try await gateway.metric("fieldrelay_recording_disk_low") == 0)
        let ledger = try index.ledger(from: 1).map(\.kind)
        #expect(ledger.contains(.diskLow) && ledger.contains(.diskResumed) && ledger.contains(.gap))

        watcher.cancel()
        let (sequences, failures) = await watcher.value
        #expect(failures.isEmpty, "segments that failed: \(failures)")
        #expect(sequences.count >= 10, "the watcher saw \(sequences.count) segments")
        if let first = sequences.first, let last = sequences.last {
            #expect(sequences == Array(first...last), "live segments must be consecutive: \(sequences)")
        }
        camera.terminate()
        await gateway.stop()
    }

    func freeMiB(_ url: URL) -> Int? {
        var stats = statvfs()
        guard statvfs(url.path, &stats) == 0 else { return nil }
        return Int(Int64(stats.f_bavail) * Int64(stats.f_frsize) / 1_048_576)
    }

}
