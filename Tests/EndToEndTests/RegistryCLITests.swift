import Foundation
import Testing
import TestSupport

/// The registry commands of the real `fieldrelay` binary against temporary data directories.
/// One demo registry is seeded for the suite (the first test to need it waits for it); tests that
/// change it only add, revoke or rotate devices they created themselves.
@Suite("The registry commands: rooms, devices, registry seed-demo", .serialized)
struct RegistryCLITests {
    static var executable: String { ServeCommandTests.executable }

    static func freshDirectory(_ label: String) -> String {
        Clips.directory.appendingPathComponent("cli-\(label)-\(UUID().uuidString)").path
    }

    /// The seeded data directory, and what `registry seed-demo` printed when seeding it.
    static let seeded = Task<(data: String, output: String), any Error> {
        let data = freshDirectory("seeded")
        let (status, output, errors) = try await run(["registry", "seed-demo", "--data", data])
        guard status == 0 else { throw TestFailure("seed-demo failed (\(status)): \(errors)") }
        return (data, output)
    }

    /// Runs the binary with stdout and stderr sent to files rather than pipes: an export or a
    /// `--all --json` listing is hundreds of KiB, and reading a pipe after the process has exited
    /// can come up short on a loaded machine.
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build the fieldrelay product first")
        let base = Clips.directory.appendingPathComponent("cli-run-\(UUID().uuidString)")
        let out = base.appendingPathExtension("out"), err = base.appendingPathExtension("err")
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        let script = #"out="$1"; err="$2"; shift 2; exec "$@" >"$out" 2>"$err""#
        let (status, _, shellErrors) = try await Subprocess.run("/bin/sh", ["-c", script, "sh", out.path, err.path, executable] + arguments,
                                                                timeout: .seconds(60))
        let output = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        let errors = ((try? String(contentsOf: err, encoding: .utf8)) ?? "") + shellErrors
        return (status, output, errors)
    }

    /// Runs a command expected to succeed with `--json` and returns the parsed object.
    static func json(_ arguments: [String]) async throws -> [String: Any] {
        let result = try await run(arguments + ["--json"])
        try #require(result.status == 0, "\(arguments): \(result.errors)")
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8))
        return try #require(object as? [String: Any], "not a JSON object: \(result.output)")
    }

    /// A failure is one line on stderr, no backtrace, nothing on stdout.
    static func expectCleanFailure(_ result: (status: Int32, output: String, errors: String), mentioning text: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status != 0, sourceLocation: sourceLocation)
        #expect(result.errors.contains(text), "\(result.errors)", sourceLocation: sourceLocation)
        #expect(result.errors.split(separator: "\n").count == 1, "one line: \(result.errors)", sourceLocation: sourceLocation)
        #expect(!result.errors.contains("Fatal error") && !result.errors.contains("backtrace"), sourceLocation: sourceLocation)
        #expect(result.output.isEmpty, sourceLocation: sourceLocation)
    }

    @Test("registry seed-demo seeds 10/181/2,911 once, then says the registry already has data")
    func seedDemo() async throws {
        let (data, output) = try await Self.seeded.value
        #expect(output.contains("Seeded the Tongren demo registry"))
        #expect(output.contains("10 counties, 181 townships, 2,911 rooms"), "\(output)")
        let again = try await Self.run(["registry", "seed-demo", "--data", data])
        #expect(again.status == 0)
        #expect(again.output.contains("already has data"), "\(again.output)")
        let json = try await Self.json(["registry", "seed-demo", "--data", data])
        #expect(json["seeded"] as? Bool == false)
        let counts = try #require(json["counts"] as? [String: Any])
        #expect(counts["counties"] as? Int == 10)
        #expect(counts["townships"] as? Int == 181)
        #expect(counts["rooms"] as? Int == 2911)
    }

    @Test("rooms list: --county with --json, --all over every page, the human table")
    func roomsList() async throws {
        let (data, _) = try await Self.seeded.value
        let page = try await Self.json(["rooms", "list", "--county", "520602", "--data", data])
        let rooms = try #require(page["rooms"] as? [[String: Any]])
        #expect(rooms.count == 50, "one page of the default size")
        #expect(rooms.allSatisfy { $0["countyCode"] as? String == "520602" && ($0["code"] as? String)?.hasPrefix("520602") == true })
        #expect(rooms.first?["status"] as? String == "offline")
        #expect(page["nextCursor"] is String)

        let county = try await Self.json(["rooms", "list", "--county", "520602", "--all", "--data", data])
        let countyRooms = try #require(county["rooms"] as? [[String: Any]])
        #expect(countyRooms.count > 50)
        #expect(county["nextCursor"] is NSNull)

        let all = try await Self.json(["rooms", "list", "--all", "--limit", "300", "--data", data])
        let codes = try #require(all["rooms"] as? [[String: Any]]).compactMap { $0["code"] as? String }
        #expect(codes.count == 2911)
        #expect(Set(codes).count == 2911)

        let table = try await Self.run(["rooms", "list", "--township", "520602001", "--limit", "3", "--data", data])
        #expect(table.status == 0)
        let lines = table.output.split(separator: "\n")
        #expect(lines.first?.hasPrefix("CODE") == true)
        #expect(lines.count == 5, "header, 3 rooms, footer: \(table.output)")
        #expect(lines.last?.contains("--all") == true)

        let hostile = try await Self.json(["rooms", "list", "--q", "'; DROP TABLE room; --", "--data", data])
        #expect((hostile["rooms"] as? [Any])?.isEmpty == true)
        let bad = try await Self.run(["rooms", "list", "--status", "asleep", "--data", data])
        #expect(bad.status != 0)
        #expect(bad.errors.contains("--status"))
    }

    @Test("rooms show: text and JSON; an unknown room is one line on stderr and exit 1")
    func roomsShow() async throws {
        let (data, _) = try await Self.seeded.value
        let list = try await Self.json(["rooms", "list", "--limit", "1", "--data", data])
        let code = try #require((list["rooms"] as? [[String: Any]])?.first?["code"] as? String)
        let room = try await Self.json(["rooms", "show", code, "--data", data])
        #expect(room["code"] as? String == code)
        #expect(room["countyName"] as? String == "碧江区")
        #expect((room["live"] as? [String: Any])?["status"] as? String == "offline")
        let text = try await Self.run(["rooms", "show", code, "--data", data])
        #expect(text.status == 0)
        #expect(text.output.hasPrefix(code))
        #expect(text.output.contains("/hls/room/\(code)/index.m3u8"))

        Self.expectCleanFailure(try await Self.run(["rooms", "show", "520602999999", "--data", data]), mentioning: "no room 520602999999")
        Self.expectCleanFailure(try await Self.run(["rooms", "show", "12", "--data", data]), mentioning: "12 digits")
        let nowhere = Self.freshDirectory("missing")
        Self.expectCleanFailure(try await Self.run(["rooms", "list", "--data", nowhere]), mentioning: "no registry at")
        #expect(!FileManager.default.fileExists(atPath: nowhere), "listing does not create a registry")
    }

    @Test("rooms export, then import into a fresh directory, exports the identical file")
    func exportImportRoundTrip() async throws {
        let (data, _) = try await Self.seeded.value
        let exported = try await Self.run(["rooms", "export", "--data", data])
        #expect(exported.status == 0)
        #expect(exported.output.hasPrefix("level,code,name,parent_code"))
        #expect(exported.output.contains("\r\n"))
        let file = Clips.directory.appendingPathComponent("export-\(UUID().uuidString).csv")
        try Data(exported.output.utf8).write(to: file)

        let fresh = Self.freshDirectory("import")
        let imported = try await Self.run(["rooms", "import", file.path, "--data", fresh])
        #expect(imported.status == 0, "\(imported.errors)")
        #expect(imported.output.contains("2,911 rooms added"), "\(imported.output)")
        let again = try await Self.run(["rooms", "export", "--data", fresh])
        #expect(again.output == exported.output, "byte-identical round trip")

        let toFile = Clips.directory.appendingPathComponent("export-file-\(UUID().uuidString).csv")
        let written = try await Self.json(["rooms", "export", toFile.path, "--data", fresh])
        #expect(written["rooms"] as? Int == 2911)
        #expect(try String(contentsOf: toFile, encoding: .utf8) == exported.output)
    }

    @Test("a bad CSV names the line and field, exits non-zero and changes nothing")
    func badImport() async throws {
        let (data, _) = try await Self.seeded.value
        let fresh = Self.freshDirectory("bad-import")
        let export = try await Self.run(["rooms", "export", "--data", data])
        let good = Clips.directory.appendingPathComponent("good-\(UUID().uuidString).csv")
        try Data(export.output.utf8).write(to: good)
        #expect(try await Self.run(["rooms", "import", good.path, "--data", fresh]).status == 0)
        let before = try await Self.run(["rooms", "export", "--data", fresh]).output

        // Line 2 adds a valid new village; line 3 is bad. The valid row must not survive.
        let csv = "level,code,name,parent_code,room_name,latitude,longitude,synthetic,equipment_note\r\n"
            + "village,520602001999,新村,520602001,,27.7,109.2,true,\r\n"
            + "village,520602002998,错村,520602002,,north,109.2,true,\r\n"
        let bad = Clips.directory.appendingPathComponent("bad-\(UUID().uuidString).csv")
        try Data(csv.utf8).write(to: bad)
        let result = try await Self.run(["rooms", "import", bad.path, "--data", fresh])
        Self.expectCleanFailure(result, mentioning: "line 3, field latitude")
        #expect(result.status == 1)
        #expect(try await Self.run(["rooms", "export", "--data", fresh]).output == before, "nothing changed")
        #expect(try await Self.run(["rooms", "show", "520602001999", "--data", fresh]).status != 0)

        Self.expectCleanFailure(try await Self.run(["rooms", "import", "/nonexistent/registry.csv", "--data", fresh]), mentioning: "cannot read")
    }

    @Test("devices add, list, revoke and rotate-key with --json; bad and duplicate ids are clear errors")
    func devices() async throws {
        let (data, _) = try await Self.seeded.value
        let id = "cli-" + UUID().uuidString.prefix(8).lowercased()
        let added = try await Self.json(["devices", "add", "--id", id, "--name", "碧江救援队单兵", "--org", "520602", "--data", data])
        let device = try #require(added["device"] as? [String: Any])
        #expect(device["id"] as? String == id)
        #expect(device["org"] as? String == "520602")
        #expect(device["state"] as? String == "active")
        let provisioning = try #require(added["provisioning"] as? [String: Any])
        #expect(provisioning["streamId"] as? String == "#!::r=cam/\(id),m=publish")
        let firstKey = try #require(provisioning["passphrase"] as? String)
        #expect(firstKey.count == 24)

        let list = try await Self.json(["devices", "list", "--org", "520602", "--data", data])
        let devices = try #require(list["devices"] as? [[String: Any]])
        #expect(devices.contains { $0["id"] as? String == id })
        #expect(devices.allSatisfy { $0["org"] as? String == "520602" })

        let rotated = try await Self.json(["devices", "rotate-key", id, "--data", data])
        let secondKey = try #require(rotated["passphrase"] as? String)
        #expect(secondKey != firstKey)
        let text = try await Self.run(["devices", "rotate-key", id, "--data", data])
        #expect(text.status == 0)
        #expect(text.output.contains("passphrase: "))
        #expect(!text.output.contains(secondKey), "a third key replaced the second")

        let revoked = try await Self.json(["devices", "revoke", id, "--data", data])
        #expect(revoked["state"] as? String == "revoked")
        Self.expectCleanFailure(try await Self.run(["devices", "rotate-key", id, "--data", data]), mentioning: "revoked")

        let human = try await Self.run(["devices", "add", "--id", id + "-2", "--name", "second", "--org", "520600-fire", "--data", data])
        #expect(human.status == 0)
        #expect(human.output.contains("stream id:  #!::r=cam/\(id)-2,m=publish"))
        #expect(human.output.contains("passphrase: "))

        Self.expectCleanFailure(try await Self.run(["devices", "add", "--id", id, "--name", "again", "--org", "520602", "--data", data]),
                                mentioning: "already exists")
        Self.expectCleanFailure(try await Self.run(["devices", "add", "--id", "../x", "--name", "n", "--org", "520602", "--data", data]),
                                mentioning: "device id")
        Self.expectCleanFailure(try await Self.run(["devices", "revoke", "nobody", "--data", data]), mentioning: "no device")
    }

    @Test("points: seed-demo --points, add with --password-file and --password-stdin, list, near, show, export, import, disable, enable, delete; no output carries the password")
    func points() async throws {
        let password = "s3cr3t-PASS-123"
        let data = Self.freshDirectory("points")
        var outputs = ""
        func run(_ arguments: [String], stdin: String? = nil) async throws -> (status: Int32, output: String, errors: String) {
            let result: (status: Int32, output: String, errors: String)
            if let stdin {
                // The password on standard input, as an operator pipes it from a secret store.
                let file = Clips.directory.appendingPathComponent("cli-stdin-\(UUID().uuidString)")
                try Data(stdin.utf8).write(to: file)
                defer { try? FileManager.default.removeItem(at: file) }
                let (status, output, errors) = try await Subprocess.run("/bin/sh", ["-c", #"in="$1"; shift; exec "$@" <"$in""#, "sh", file.path,
                                                                                   Self.executable] + arguments, timeout: .seconds(60))
                result = (status, output, errors)
            } else {
                result = try await Self.run(arguments)
            }
            outputs += result.output + result.errors
            return result
        }
        func json(_ arguments: [String]) async throws -> [String: Any] {
            let result = try await run(arguments + ["--json"])
            try #require(result.status == 0, "\(arguments): \(result.errors)")
            return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
        }

        let seeded = try await json(["registry", "seed-demo", "--points", "500", "--data", data])
        #expect(seeded["pointsAdded"] as? Int == 500)
        #expect((seeded["counts"] as? [String: Any])?["points"] as? Int == 500)

        let passwordFile = Clips.directory.appendingPathComponent("cli-password-\(UUID().uuidString)")
        try Data((password + "\n").utf8).write(to: passwordFile)
        defer { try? FileManager.default.removeItem(at: passwordFile) }
        let added = try await json(["points", "add", "--data", data, "--id", "52060200001320099999", "--name", "桥头天网99", "--network", "skynet",
                                    "--area", "520602001201", "--lat", "27.72", "--lon", "109.19", "--url", "rtsp://10.1.2.3/live",
                                    "--username", "viewer", "--password-file", passwordFile.path])
        #expect((added["source"] as? [String: Any])?["hasCredentials"] as? Bool == true)
        let piped = try await run(["points", "add", "--data", data, "--id", "piped-point-01", "--name", "管道点位", "--network", "other",
                                   "--area", "520602001", "--lat", "27.7", "--lon", "109.2", "--url", "rtsp://10.1.2.4/live",
                                   "--username", "viewer", "--password-stdin"], stdin: password + "\n")
        #expect(piped.status == 0 && piped.output.contains("credentials stored encrypted"), "\(piped.errors)")

        let shown = try await run(["points", "show", "52060200001320099999", "--data", data])
        #expect(shown.status == 0 && shown.output.contains("stored, encrypted (never shown)") && shown.output.contains("WGS-84"))
        let listed = try await json(["points", "list", "--township", "520602001", "--all", "--data", data])
        let ids = (listed["points"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(ids.contains("52060200001320099999") && ids.contains("piped-point-01"))
        #expect(listed["nextCursor"] is NSNull)
        let near = try await json(["points", "list", "--near", "27.72,109.19", "--radius-km", "1", "--data", data])
        #expect((near["points"] as? [[String: Any]])?.first?["id"] as? String == "52060200001320099999")
        #expect(try await run(["points", "list", "--network", "sharp-eyes", "--data", data]).output.contains("sharp-eyes"))

        let exported = try await run(["points", "export", "--data", data])
        #expect(exported.status == 0 && exported.output.hasPrefix("id,name,network,area_code,"))
        #expect(exported.output.split(separator: "\r\n").count == 503)
        let file = Clips.directory.appendingPathComponent("cli-points-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(exported.output.utf8).write(to: file)
        let copy = Self.freshDirectory("points-copy")
        #expect(try await run(["registry", "seed-demo", "--data", copy]).status == 0)
        let imported = try await json(["points", "import", file.path, "--data", copy])
        #expect(imported["pointsAdded"] as? Int == 502)
        #expect(try await run(["points", "export", "--data", copy]).output == exported.output)

        #expect(try await json(["points", "disable", "piped-point-01", "--data", data])["enabled"] as? Bool == false)
        #expect(try await json(["points", "enable", "piped-point-01", "--data", data])["enabled"] as? Bool == true)
        #expect(try await run(["points", "delete", "piped-point-01", "--data", data]).status == 0)

        Self.expectCleanFailure(try await run(["points", "show", "piped-point-01", "--data", data]), mentioning: "no point")
        Self.expectCleanFailure(try await run(["points", "add", "--data", data, "--id", "bad-url-0001", "--name", "n", "--network", "skynet",
                                                "--area", "520602001201", "--lat", "27.7", "--lon", "109.2",
                                                "--url", "rtsp://viewer:\(password)@10.1.2.3/live"]), mentioning: "field source.url")
        Self.expectCleanFailure(try await run(["points", "add", "--data", data, "--id", "bad-area-001", "--name", "n", "--network", "skynet",
                                                "--area", "520699999", "--lat", "27.7", "--lon", "109.2", "--url", "rtsp://h/x"]),
                                mentioning: "field areaCode")
        #expect(!outputs.contains(password), "a command printed the password")
    }
}
