import ArgumentParser
import Foundation
import JointReporting
import Recording
import RecordingStore
import ReportingStore

/// `fieldrelay recordings list|verify`: the recording index and files, read-only, so both are
/// safe beside a running server (and on a recording disk moved to another machine).
struct RecordingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recordings",
        abstract: "Recorded video: list the files, verify them against the index and the ledger.",
        subcommands: [List.self, Verify.self])

    /// Where the recordings are and which of them a command looks at.
    struct Selection: ParsableArguments {
        @Option(name: .long, help: "Data directory (default ./data); recordings are in <data>/recordings.")
        var data: String = "./data"

        @Option(name: .long, help: "Recording directory, when not <data>/recordings (recording.directory).")
        var directory: String?

        @Option(name: .long, help: "Only this media path (e.g. cam/bc-0001).")
        var path: String?

        @Option(name: .long, help: "Only files overlapping from this time on (RFC 3339, e.g. 2026-12-07T17:00:00Z).")
        var from: String?

        @Option(name: .long, help: "Only files overlapping up to this time (RFC 3339).")
        var to: String?

        @Flag(name: .long, help: "Print JSON instead of text.")
        var json = false

        var recordingDirectory: URL {
            directory.map { URL(fileURLWithPath: $0) } ?? URL(fileURLWithPath: data).appendingPathComponent("recordings")
        }

        var fromDate: Date? { from.flatMap(RecordingTime.parse) }
        var toDate: Date? { to.flatMap(RecordingTime.parse) }

        func validate() throws {
            if let from, RecordingTime.parse(from) == nil {
                throw ValidationError("--from: not an RFC 3339 time: '\(from)' (e.g. 2026-12-07T17:00:00Z)")
            }
            if let to, RecordingTime.parse(to) == nil {
                throw ValidationError("--to: not an RFC 3339 time: '\(to)' (e.g. 2026-12-07T18:00:00Z)")
            }
            if let fromDate, let toDate, fromDate > toDate {
                throw ValidationError("--from \(from ?? "") is after --to \(to ?? "")")
            }
        }

        /// The index opened read-only; exit 2 with one line when there is none to read.
        func openIndex(_ command: String) -> RecordingDatabase {
            do {
                return try RecordingDatabase(directory: recordingDirectory, readOnly: true)
            } catch {
                FileHandle.standardError.write(Data("recordings \(command): cannot read the recording index: \(error)\n".utf8))
                FieldRelayCommand.exit(withError: ExitCode(2))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List recorded files by start time (read-only).")

        @OptionGroup var selection: Selection

        /// One file as `list --json` prints it.
        struct Item: Encodable {
            var path: String
            var name: String
            var start: Date?
            var end: Date?
            var fragments: Int
            var state: String
            var codecs: String
            var sealedAt: Date?
        }

        func run() async throws {
            let index = selection.openIndex("list")
            let files: [RecordedFile]
            do {
                files = try index.files(path: selection.path, from: selection.fromDate, to: selection.toDate)
            } catch {
                CommandOutput.fail("recordings list: \(error)")
            }
            let items = files.map { file in
                Item(path: file.path, name: file.name, start: file.start, end: file.end, fragments: file.fragmentCount,
                     state: file.recovered ? "recovered" : file.isSealed ? "sealed" : "open", codecs: file.codecs, sealedAt: file.sealedAt)
            }
            if selection.json {
                CommandOutput.line(try CommandOutput.json(items))
                return
            }
            var table = TextTable(["PATH", "FILE", "START", "END", "FRAGMENTS", "STATE"])
            for item in items {
                table.add([item.path, item.name, item.start.map(RecordingTime.format) ?? "-", item.end.map(RecordingTime.format) ?? "-",
                           CommandOutput.count(item.fragments), item.state])
            }
            CommandOutput.write(table.render())
            CommandOutput.line("\(CommandOutput.count(items.count)) file(s)")
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify files against the index and the ledger (read-only, also while the server runs); exit 1 naming the first file and fragment altered, removed, truncated or inserted, 2 if it cannot be checked.")

        @OptionGroup var selection: Selection

        func run() async throws {
            let index = selection.openIndex("verify")
            var report: VerificationReport
            do {
                report = try RecordingVerifier.verify(directory: selection.recordingDirectory, index: index, path: selection.path,
                                                      from: selection.fromDate, to: selection.toDate)
                // The ledger's heads as the joint-reporting record anchored them (when the record is there).
                let dataURL = URL(fileURLWithPath: selection.data)
                if FileManager.default.fileExists(atPath: dataURL.appendingPathComponent(ReportingDatabase.databaseFileName).path) {
                    let record = try ReportingDatabase.openReadOnly(directory: dataURL)
                    let anchors = try await record.events().filter { $0.kind == .recordingAnchored }.compactMap { event -> RecordingVerifier.Anchor? in
                        guard case .int(let sequence)? = event.detail["sequence"], case .string(let hex)? = event.detail["hash"],
                              let hash = Data(hexString: hex) else { return nil }
                        return RecordingVerifier.Anchor(auditSequence: event.seq, ledgerSequence: sequence, hash: hash)
                    }
                    try RecordingVerifier.checkAnchors(anchors, index: index, into: &report)
                }
            } catch {
                FileHandle.standardError.write(Data("recordings verify: cannot check: \(error)\n".utf8))
                throw ExitCode(2)
            }
            if selection.json {
                CommandOutput.line(try CommandOutput.json(report))
            } else if report.isIntact {
                CommandOutput.line("recordings verify: ok: \(report.summary)")
            } else {
                CommandOutput.line("recordings verify: FAILED: \(report.problems[0])")
                for problem in report.problems.dropFirst() { CommandOutput.line("  also: \(problem)") }
                CommandOutput.line(report.summary)
            }
            if !report.isIntact { throw ExitCode(1) }
        }
    }
}
