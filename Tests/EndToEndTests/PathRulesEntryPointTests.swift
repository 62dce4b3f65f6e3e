import Foundation
import JointReporting
import Logging
import PathRules
import SRTTransport
import Testing
import TestSupport

/// One table of path texts, run through every entry point a path comes in by: an SRT stream id,
/// an HLS URL, a REST body (a session feed), the joint-reporting domain, and the CLI. Each must
/// give the verdict PathRules gives: malformed is refused as malformed everywhere (SRT 1400, HTTP
/// 400 or 422, the CLI's error with the rule's own words), and nothing else is. Before, three
/// copies of the rule disagreed (`cam/a.b` was a path to the hub and the session, not to the
/// registry).
@Suite("Path rules through every entry point", .serialized)
struct PathRulesEntryPointTests {
    static let rows: [String] = [
        "room/520602001201", "room/52060200120", "room/52060200120a", "room/５２０６０２００１２０１",
        "cam/bc-520602001", "cam/bc_1", "cam/a.b", "cam/..", "cam/" + String(repeating: "x", count: 65),
        "hall/520600", "hall/520600-water", "hall/520600-Water", "hall/abc",
        "lab/cam1", "lab/.hidden", "lab/a b",
        "../../etc", "room/520602001201/x", "room",
        "tv/channel1", "gb/34020000001320000001", "point/34020000001320000001", "point/cam01",
    ]

    enum Verdict: Equatable, CustomStringConvertible {
        case path, malformed, unknownKind
        var description: String {
            switch self {
            case .path: "a path"
            case .malformed: "malformed"
            case .unknownKind: "an unknown kind"
            }
        }
    }

    static func rule(_ text: String) -> (Verdict, message: String?) {
        do {
            _ = try MediaPath(text)
            return (.path, nil)
        } catch {
            return (error.code == .malformed ? .malformed : .unknownKind, error.message)
        }
    }

    static func urlPath(_ text: String) -> String {
        text.split(separator: "/", omittingEmptySubsequences: false).map {
            $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
        }.joined(separator: "/")
    }

    @Test("the same verdict from SRT, HLS, REST, the session domain and the CLI")
    func sameVerdictEverywhere() async throws {
        let gateway = try await RunningGateway.start()
        let township = gateway.client(try await gateway.organisationToken("520602001"))
        let incident = try await township.must("POST", "/api/v1/incidents", [
            "villageCode": "520602001201", "category": "accident", "grade": "IV", "title": "Path rules", "report": "first"])
        let incidentId = try #require(incident.string("id"))
        let sessionId = try #require(try await township.must("POST", "/api/v1/incidents/\(incidentId)/sessions").string("id"))
        let group = try SRTCallerGroup(remoteHost: "127.0.0.1", logger: Logger(label: "test-camera"))
        let cli = try await RegistryCLITests.seeded.value

        for text in Self.rows {
            let (verdict, message) = Self.rule(text)

            // SRT: the stream id a camera sends.
            let caller = try group.connect(port: gateway.srtPort, SRTCallerConfiguration(streamID: "#!::r=\(text),m=publish"))
            let deadline = ContinuousClock.now + .seconds(10)
            while caller.state == .connecting && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            var srtCode: Int32?
            if case .failed(let failure) = caller.state { srtCode = failure.code }
            caller.close()
            #expect((srtCode == 1400) == (verdict == .malformed), "SRT '\(text)': \(srtCode.map(String.init) ?? "accepted"), the rule says \(verdict)")
            if verdict == .unknownKind { #expect(srtCode == 1404, "SRT '\(text)'") }

            // HLS: the URL a hall opens.
            // curl --path-as-is: `..` segments reach the server as sent (a client normalising them away
            // would test the client, not the gateway).
            let (_, hlsOutput, _) = try await Subprocess.run("curl", [
                "-s", "--path-as-is", "--max-time", "20", "-w", "\n%{http_code}",
                "\(gateway.baseURL)/hls/\(Self.urlPath(text))/index.m3u8?token=\(gateway.adminToken)"])
            let hlsStatus = Int(hlsOutput.split(separator: "\n").last ?? "") ?? 0
            #expect((hlsStatus == 400) == (verdict == .malformed), "HLS '\(text)': \(hlsStatus), the rule says \(verdict)")
            if let message, verdict == .malformed { #expect(hlsOutput.contains(Self.jsonEscaped(message)), "HLS '\(text)': \(hlsOutput)") }

            // REST: a session feed in a JSON body.
            let rest = try await township.post("/api/v1/sessions/\(sessionId)/feeds", ["path": text])
            if verdict == .malformed {
                #expect(rest.status == 422, "REST '\(text)': \(rest.status)")
                if let message { #expect(rest.json["message"] as? String == message, "REST '\(text)': \(rest.json)") }
            } else {
                // Lab paths, and points until they can be pulled (issue 15, part 3), are paths but no session feeds.
                #expect(rest.status != 422 || text.hasPrefix("lab/") || text.hasPrefix("point/"), "REST '\(text)': \(rest.status) \(rest.json)")
                if verdict == .unknownKind { #expect(rest.status == 404, "REST '\(text)': \(rest.status)") }
            }

            // The joint-reporting domain, as the coordinator parses a feed.
            do {
                _ = try JointReporting.SourcePath(parsing: text)
                #expect(verdict == .path, "session '\(text)' parsed, the rule says \(verdict)")
            } catch {
                let expected: ReportingError.Code = verdict == .unknownKind ? .notFound : .invalid
                #expect(error.code == expected, "session '\(text)': \(error)")
                if verdict == .malformed { #expect(error.message == message) }
            }

            // The CLI: device ids and room codes typed by an operator.
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let id = String(parts[1])
            var cliRun: (status: Int32, output: String, errors: String)?
            if parts[0] == "cam" {
                cliRun = try await RegistryCLITests.run(["devices", "add", "--data", cli.data, "--id", id, "--name", "Path rules", "--org", "520602001"])
            } else if parts[0] == "room" {
                cliRun = try await RegistryCLITests.run(["rooms", "show", "--data", cli.data, id])
            } else if parts[0] == "point" {
                cliRun = try await RegistryCLITests.run(["points", "show", "--data", cli.data, id])
            }
            if let cliRun {
                if verdict == .malformed {
                    #expect(cliRun.status != 0 && cliRun.errors.contains(message ?? "?"), "CLI '\(text)': \(cliRun.status) \(cliRun.errors)")
                } else {
                    // Accepted, or refused for what it is (the demo registry already has bc-520602001).
                    #expect(cliRun.status == 0 || cliRun.errors.contains("already") || cliRun.errors.contains("no point"), "CLI '\(text)': \(cliRun.status) \(cliRun.errors)")
                }
            }
        }
        await gateway.stop()
    }

    static func jsonEscaped(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data()
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}
