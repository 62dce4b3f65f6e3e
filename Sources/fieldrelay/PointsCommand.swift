import ArgumentParser
import Foundation
import RoomRegistry

/// `fieldrelay points list|show|add|import|export|enable|disable|delete`: the surveillance points
/// of the registry. Credentials are write-only here as everywhere: `add` takes the password from
/// a file or standard input (never the command line, which shell history and `ps` keep), and no
/// command prints a username or password.
struct PointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "points",
        abstract: "List, show, add, import, export, enable, disable and delete surveillance points (天网, 雪亮, 智慧乡村 cameras).",
        subcommands: [List.self, Show.self, Add.self, Import.self, Export.self, Enable.self, Disable.self, Delete.self])

    static func table(_ points: [Point], distances: [Double]? = nil) -> String {
        var headers = ["ID", "NAME", "NETWORK", "AREA", "ENABLED"]
        if distances != nil { headers.append("KM") }
        var table = TextTable(headers)
        for (index, point) in points.enumerated() {
            var row = [point.id, point.name, point.network.rawValue, point.areaCode, point.enabled ? "yes" : "no"]
            if let distances { row.append(String(format: "%.3f", distances[index])) }
            table.add(row)
        }
        return table.render()
    }

    static func lines(_ point: Point) -> String {
        [
            "\(point.id)  \(point.name)",
            "  network:     \(point.network.rawValue)",
            "  area:        \(point.areaCode) (county \(point.countyCode)" + (point.townshipCode.map { ", township \($0)" } ?? "") + ")",
            "  location:    \(point.latitude), \(point.longitude) (\(Point.coordinateSystem))",
            "  source:      \(point.source.kind.rawValue) \(point.source.url) over \(point.source.transport.rawValue)",
            "  credentials: " + (point.source.hasCredentials ? "stored, encrypted (never shown)" : "none"),
            "  enabled:     \(point.enabled ? "yes" : "no")",
            "  state:       \(point.state.rawValue)",
            "  synthetic:   \(point.synthetic ? "yes" : "no")",
            "  path:        \(point.sourcePath)",
            "  updated:     \(CommandOutput.date(point.updatedAt))",
        ].joined(separator: "\n") + "\n"
    }
}

extension PointsCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List points in area then id order, filtered by county, township, network or text; or those near a place.")

        @OptionGroup var options: RegistryCLIOptions

        @Option(name: .long, help: "6-digit county code.")
        var county: String?

        @Option(name: .long, help: "9-digit township code.")
        var township: String?

        @Option(name: .long, help: "skynet, sharp-eyes, smart-village or other.")
        var network: String?

        @Option(name: .customLong("q"), help: "Text to find in point ids and names (matched literally).")
        var q: String?

        @Option(name: .long, help: "LAT,LON (WGS-84): the points near this place, nearest first.")
        var near: String?

        @Option(name: .customLong("radius-km"), help: "With --near: how far, in km (default 5, at most 100).")
        var radiusKm: Double?

        @Option(name: .long, help: "Points per page, 1 to \(PointQuery.maximumLimit) (default \(PointQuery.defaultLimit)); with --near 1 to \(PointNearQuery.maximumLimit).")
        var limit: Int?

        @Option(name: .long, help: "Start after this cursor (the nextCursor of a previous page).")
        var cursor: String?

        @Flag(name: .long, help: "Walk every page and list all matching points.")
        var all = false

        private struct Output: Encodable {
            var points: [Point]
            var nextCursor: String?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(points, forKey: .points)
                try container.encode(nextCursor, forKey: .nextCursor)
            }

            private enum CodingKeys: String, CodingKey {
                case points, nextCursor
            }
        }

        private struct NearOutput: Encodable {
            var points: [NearbyPoint]
        }

        func validate() throws {
            if near == nil, let limit, !(1...PointQuery.maximumLimit).contains(limit) {
                throw ValidationError("--limit must be from 1 to \(PointQuery.maximumLimit)")
            }
            if near != nil, all || cursor != nil {
                throw ValidationError("--near lists the nearest points at once: it takes no --all or --cursor")
            }
            if near == nil, radiusKm != nil {
                throw ValidationError("--radius-km goes with --near")
            }
        }

        func run() async throws {
            if let near {
                let parts = near.split(separator: ",", omittingEmptySubsequences: false)
                guard parts.count == 2, let latitude = Double(parts[0].trimmingCharacters(in: .whitespaces)),
                      let longitude = Double(parts[1].trimmingCharacters(in: .whitespaces)) else {
                    CommandOutput.fail("--near must be LAT,LON in WGS-84 decimal degrees")
                }
                let query = PointNearQuery(latitude: latitude, longitude: longitude, radiusKm: radiusKm ?? PointNearQuery.defaultRadiusKm,
                                           limit: limit ?? PointNearQuery.defaultLimit, county: county, township: township, network: network)
                let found = try await options.withRegistry { registry in try await registry.points(near: query) }
                if options.json {
                    try options.printJSON(NearOutput(points: found))
                    return
                }
                CommandOutput.write(PointsCommand.table(found.map(\.point), distances: found.map(\.distanceKm)))
                CommandOutput.line("\(CommandOutput.count(found.count)) points within \(query.radiusKm) km")
                return
            }
            var query = PointQuery(county: county, township: township, network: network, q: q,
                                   limit: limit ?? (all ? PointQuery.maximumLimit : PointQuery.defaultLimit), cursor: cursor)
            let output = try await options.withRegistry { registry in
                var points: [Point] = []
                while true {
                    let page = try await registry.points(query)
                    points += page.points
                    guard all, let next = page.nextCursor else { return Output(points: points, nextCursor: page.nextCursor) }
                    query.cursor = next
                }
            }
            if options.json {
                try options.printJSON(output)
                return
            }
            CommandOutput.write(PointsCommand.table(output.points))
            if let next = output.nextCursor {
                CommandOutput.line("\(CommandOutput.count(output.points.count)) points shown; more with --all or --cursor \(next)")
            } else {
                CommandOutput.line("\(CommandOutput.count(output.points.count)) points")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one point (its credentials only as stored or not).")

        @OptionGroup var options: RegistryCLIOptions

        @Argument(help: "Point id.")
        var id: String

        func run() async throws {
            let point = try await options.withRegistry { registry in try await registry.point(id: id) }
            if options.json {
                try options.printJSON(point)
            } else {
                CommandOutput.write(PointsCommand.lines(point))
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a point.",
            discussion: """
                The URL must not carry credentials: give --username, and the password with --password-file FILE \
                (its first line) or --password-stdin, so that it stays out of shell history. Credentials are stored \
                encrypted with <data>/points.key and never printed.
                """)

        @OptionGroup var options: RegistryCLIOptions

        @Option(name: .long, help: "Point id: 6 to 64 of A-Z a-z 0-9 _ - (often the 20-digit GB/T 28181 id).")
        var id: String

        @Option(name: .long, help: "Name people see.")
        var name: String

        @Option(name: .long, help: "skynet, sharp-eyes, smart-village or other.")
        var network: String

        @Option(name: .long, help: "The county, township or village code the point belongs to (its jurisdiction).")
        var area: String

        @Option(name: .long, help: "WGS-84 latitude (convert GCJ-02 platform coordinates first).")
        var lat: Double

        @Option(name: .long, help: "WGS-84 longitude.")
        var lon: Double

        @Option(name: .long, help: "rtsp:// or rtsps:// URL, without credentials.")
        var url: String

        @Option(name: .long, help: "tcp (default) or udp.")
        var transport: String?

        @Option(name: .long, help: "The camera's username.")
        var username: String?

        @Option(name: .customLong("password-file"), help: "A file whose first line is the password.")
        var passwordFile: String?

        @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input (its first line).")
        var passwordStdin = false

        @Flag(name: .long, help: "Register it disabled (not pulled until enabled).")
        var disabled = false

        func validate() throws {
            if passwordFile != nil && passwordStdin {
                throw ValidationError("give the password with --password-file or --password-stdin, not both")
            }
            if username == nil && (passwordFile != nil || passwordStdin) {
                throw ValidationError("a password needs --username")
            }
        }

        func run() async throws {
            var credentials: PointCredentials?
            if let username {
                credentials = PointCredentials(username: username, password: try readPassword() ?? "")
            }
            let draft = PointDraft(id: id, name: name, network: network, areaCode: area, latitude: lat, longitude: lon, url: url,
                                   transport: transport, credentials: credentials, enabled: !disabled)
            let point = try await options.withRegistry { registry in try await registry.createPoint(draft) }
            if options.json {
                try options.printJSON(point)
            } else {
                CommandOutput.line("Added point \(point.id) (\(point.name)) in area \(point.areaCode)"
                                   + (point.source.hasCredentials ? ", credentials stored encrypted." : "."))
            }
        }

        /// The first line of the file or of standard input, without its line end.
        private func readPassword() throws -> String? {
            let data: Data
            if let passwordFile {
                guard let read = FileManager.default.contents(atPath: passwordFile) else {
                    CommandOutput.fail("cannot read the password file \(passwordFile)")
                }
                data = read
            } else if passwordStdin {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                return nil
            }
            guard let text = String(data: data, encoding: .utf8) else { CommandOutput.fail("the password is not UTF-8 text") }
            return text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) } ?? ""
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import points from CSV (docs/registry-csv.md, Points); all or nothing. username/password columns are stored encrypted.")

        @OptionGroup var options: RegistryCLIOptions

        @Argument(help: "The CSV file.")
        var file: String

        func run() async throws {
            let url = URL(fileURLWithPath: file)
            guard FileManager.default.isReadableFile(atPath: url.path) else {
                CommandOutput.fail("cannot read \(url.path)")
            }
            let summary = try await options.withRegistry { registry in try await registry.importPointsCSV(contentsOf: url) }
            if options.json {
                try options.printJSON(summary)
                return
            }
            let count = CommandOutput.count
            CommandOutput.line("Imported \(file): \(count(summary.pointsAdded)) points added, \(count(summary.pointsUpdated)) updated, "
                               + "\(count(summary.pointsUnchanged)) unchanged; \(count(summary.credentialsStored)) credentials stored encrypted.")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export every point as CSV, to FILE or to standard output. Credentials are never exported.")

        @OptionGroup var options: RegistryCLIOptions

        @Argument(help: "Output file (replaced atomically); standard output without it.")
        var file: String?

        private struct Output: Encodable {
            var file: String
            var points: Int
            var credentialsExported = false
        }

        func run() async throws {
            guard let file else {
                let text = try await options.withRegistry { registry in try await registry.exportPointsCSV() }
                CommandOutput.write(text)
                return
            }
            let points = try await options.withRegistry { registry in try await registry.exportPointsCSV(to: URL(fileURLWithPath: file)) }
            if options.json {
                try options.printJSON(Output(file: file, points: points))
            } else {
                CommandOutput.line("Exported \(CommandOutput.count(points)) points to \(file) (credentials are never exported).")
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a point: it may be pulled again.")

        @OptionGroup var options: RegistryCLIOptions

        @Argument(help: "Point id.")
        var id: String

        func run() async throws {
            let point = try await options.withRegistry { registry in try await registry.setPointEnabled(id: id, true) }
            if options.json { try options.printJSON(point) } else { CommandOutput.line("Point \(point.id) (\(point.name)) is enabled.") }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a point: it is not pulled until enabled.")

        @OptionGroup var options: RegistryCLIOptions

        @Argument(help: "Point id.")
        var id: String

        func run() async throws {
            let point = try await options.withRegistry { registry in try await registry.setPointEnabled(id: id, false) }
            if options.json { try options.printJSON(point) } else { CommandOutput.line("Point \(point.id) (\(point.name)) is disabled.") }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a point and its stored credentials.")

        @OptionGroup var options: RegistryCLIOptions

        @Argument(help: "Point id.")
        var id: String

        private struct Output: Encodable {
            var deleted: String
        }

        func run() async throws {
            try await options.withRegistry { registry in try await registry.deletePoint(id: id) }
            if options.json { try options.printJSON(Output(deleted: id)) } else { CommandOutput.line("Deleted point \(id).") }
        }
    }
}
