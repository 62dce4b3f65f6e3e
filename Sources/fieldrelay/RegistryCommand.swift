import ArgumentParser
import Foundation
import RoomRegistry

/// `fieldrelay registry seed-demo`: registry-wide maintenance.
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Registry maintenance: seed the demo registry.",
        subcommands: [SeedDemo.self])
}

extension RegistryCommand {
    struct SeedDemo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seed-demo",
            abstract: "Seed the Tongren demo registry (10 counties, 181 townships, 2,911 rooms) if the registry is empty.")

        @OptionGroup var options: RegistryCLIOptions

        private struct Output: Encodable {
            var seeded: Bool
            var counts: RegistryCounts
        }

        func run() async throws {
            let output = try await options.withRegistry(.createIfMissing) { registry in
                let seeded = try await registry.seedDemo()
                return Output(seeded: seeded, counts: try await registry.counts())
            }
            if options.json {
                try options.printJSON(output)
                return
            }
            let counts = output.counts
            let count = CommandOutput.count
            CommandOutput.line(output.seeded
                ? "Seeded the Tongren demo registry in \(options.data)."
                : "The registry in \(options.data) already has data; nothing was seeded.")
            CommandOutput.line("\(count(counts.counties)) counties, \(count(counts.townships)) townships, \(count(counts.rooms)) rooms, "
                               + "\(count(counts.organisations)) organisations, \(count(counts.devices)) devices.")
        }
    }
}
