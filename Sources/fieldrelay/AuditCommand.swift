import ArgumentParser
import Foundation
import JointReporting
import ReportingStore

/// `fieldrelay audit verify`: checks the joint-reporting record, read-only (also while the
/// server runs), against its MAC chain and the checkpoint kept outside the database.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The joint-reporting record.",
        subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the whole record; exit 1 naming the first altered, removed or inserted event, 2 if it cannot be checked.")

        @Option(name: .long, help: "Data directory (default ./data).")
        var data: String = "./data"

        func run() async throws {
            let report: AuditReport
            do {
                report = try await AuditReport.verify(directory: URL(fileURLWithPath: data))
            } catch let error as ReportingStoreError {
                FileHandle.standardError.write(Data("audit verify: cannot check the record: \(error.message)\n".utf8))
                throw ExitCode(2)
            }
            switch report.verification {
            case .intact(let head):
                print("audit verify: ok: \(report.events) events, chain intact, checkpoint at event \(report.checkpoint?.count ?? 0), head \(head.lastMAC.hexString.prefix(16))")
            case .broken(let fault):
                print("audit verify: FAILED at event \(fault.seq) (\(fault.kind.rawValue)): \(fault.message)")
                throw ExitCode(1)
            }
        }
    }
}
