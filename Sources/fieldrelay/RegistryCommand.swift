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
            abstract: "Seed the Tongren demo registry (10 counties, 181 townships, 2,911 rooms) if the registry is empty.",
            discussion: "With --points N, also N synthetic surveillance points over the demo townships and villages, if there are no points yet.")

        @OptionGroup var options: RegistryCLIOptions

        @Option(name: .long, help: "Synthetic surveillance points to add over the demo areas (default 0; added only while there are none).")
        var points: Int = 0

        private struct Output: Encodable {
            var seeded: Bool
            var pointsAdded: Int
            var counts: RegistryCounts
        }

        func validate() throws {
            guard points >= 0 else { throw ValidationError("--points must be 0 or more") }
        }

        func run() async throws {
            let output = try await options.withRegistry(.createIfMissing) { registry in
                let seeded = try await registry.seedDemo()
                let added = try await registry.seedDemoPoints(count: points)
                return Output(seeded: seeded, pointsAdded: added, counts: try await registry.counts())
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
                               + "\(count(counts.organisations)) organisations, \(count(counts.devices)) devices, \(count(counts.points)) points.")
            if points > 0 {
                CommandOutput.line(output.pointsAdded > 0
                    ? "Added \(count(output.pointsAdded)) synthetic surveillance points."
                    : "The registry already has points; none were added.")
            }
        }
    }
}
