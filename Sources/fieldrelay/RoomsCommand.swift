import ArgumentParser
import Foundation
import RoomRegistry

/// `fieldrelay rooms list|show|import|export`: the village video rooms of the registry.
struct RoomsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rooms",
        abstract: "List, show, import and export the village video rooms of the registry.",
        subcommands: [List.self, Show.self, Import.self, Export.self])
}

extension RoomsCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List rooms in code order, filtered by county, township, status or text.")

        @OptionGroup var options: RegistryCLIOptions

        @Option(name: .long, help: "6-digit county code.")
        var county: String?

        @Option(name: .long, help: "9-digit township code.")
        var township: String?

        @Option(name: .long, help: "Live status: online, reconnecting, stalled or offline (as last recorded by the server).")
        var status: String?

        @Option(name: .customLong("q"), help: "Text to find in room names and codes (matched literally).")
        var q: String?

        @Option(name: .long, help: "Rooms per page, 1 to \(RoomQuery.maximumLimit) (default \(RoomQuery.defaultLimit); \(RoomQuery.maximumLimit) with --all).")
        var limit: Int?

        @Option(name: .long, help: "Start after this cursor (the nextCursor of a previous page).")
        var cursor: String?

        @Flag(name: .long, help: "Walk every page and list all matching rooms.")
        var all = false

        /// The `--json` shape, that of `GET /api/v1/rooms`: `nextCursor` is null on the last page
        /// (and always with `--all`).
        private struct Output: Encodable {
            var rooms: [RoomSummary]
            var nextCursor: String?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(rooms, forKey: .rooms)
                try container.encode(nextCursor, forKey: .nextCursor)
            }

            private enum CodingKeys: String, CodingKey {
                case rooms, nextCursor
            }
        }

        func validate() throws {
            if let limit, !(1...RoomQuery.maximumLimit).contains(limit) {
                throw ValidationError("--limit must be from 1 to \(RoomQuery.maximumLimit)")
            }
            if let status, SourceStatus(rawValue: status) == nil {
                throw ValidationError("--status must be one of \(SourceStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() async throws {
            var query = RoomQuery(county: county, township: township, status: status.flatMap(SourceStatus.init(rawValue:)), q: q,
                                  limit: limit ?? (all ? RoomQuery.maximumLimit : RoomQuery.defaultLimit), cursor: cursor)
            let output = try await options.withRegistry { registry in
                var rooms: [RoomSummary] = []
                while true {
                    let page = try await registry.rooms(query)
                    rooms += page.rooms
                    guard all, let next = page.nextCursor else { return Output(rooms: rooms, nextCursor: page.nextCursor) }
                    query.cursor = next
                }
            }
            if options.json {
                try options.printJSON(output)
                return
            }
            var table = TextTable(["CODE", "NAME", "TOWNSHIP", "STATUS"])
            for room in output.rooms {
                table.add([room.code, room.name, room.townshipCode, room.status.rawValue])
            }
            CommandOutput.write(table.render())
            if let next = output.nextCursor {
                CommandOutput.line("\(CommandOutput.count(output.rooms.count)) rooms shown; more with --all or --cursor \(next)")
            } else {
                CommandOutput.line("\(CommandOutput.count(output.rooms.count)) rooms")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one room, where it is and its last recorded live status.")

        @OptionGroup var options: RegistryCLIOptions

        @Argument(help: "12-digit village code.")
        var code: String

        func run() async throws {
            let room = try await options.withRegistry { registry in try await registry.room(code: code) }
            if options.json {
                try options.printJSON(room)
                return
            }
            let live = room.live
            var lines = [
                "\(room.code)  \(room.name)",
                "  township:   \(room.townshipCode) \(room.townshipName)",
                "  county:     \(room.countyCode) \(room.countyName)",
                "  status:     \(room.status.rawValue)" + (live.since.map { " since \(CommandOutput.date($0))" } ?? " (never seen)"),
                "  location:   \(room.latitude), \(room.longitude)",
                "  synthetic:  \(room.synthetic ? "yes" : "no")",
                "  source:     \(room.sourcePath)",
                "  playlist:   /hls/\(room.sourcePath)/index.m3u8",
            ]
            if let note = room.equipmentNote, !note.isEmpty { lines.append("  equipment:  \(note)") }
            if let media = live.lastMediaAt { lines.append("  last media: \(CommandOutput.date(media))") }
            if let bitrate = live.bitrate { lines.append("  bitrate:    \(CommandOutput.count(bitrate)) bit/s") }
            if let rtt = live.rttMs { lines.append("  rtt:        \(rtt) ms") }
            if let loss = live.lossPercent { lines.append("  loss:       \(loss) %") }
            if let retransmits = live.retransmits { lines.append("  retransmits: \(CommandOutput.count(retransmits))") }
            CommandOutput.write(lines.joined(separator: "\n") + "\n")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import areas and rooms from registry CSV (docs/registry-csv.md); all or nothing.")

        @OptionGroup var options: RegistryCLIOptions

        @Argument(help: "The CSV file.")
        var file: String

        func run() async throws {
            let url = URL(fileURLWithPath: file)
            // Checked before opening, so a mistyped file name does not leave a new empty database behind.
            guard FileManager.default.isReadableFile(atPath: url.path) else {
                CommandOutput.fail("cannot read \(url.path)")
            }
            let summary = try await options.withRegistry(.createIfMissing) { registry in
                try await registry.importCSV(contentsOf: url)
            }
            if options.json {
                try options.printJSON(summary)
                return
            }
            let count = CommandOutput.count
            CommandOutput.line("Imported \(file): \(count(summary.areasAdded)) areas added, \(count(summary.areasUpdated)) updated; "
                               + "\(count(summary.roomsAdded)) rooms added, \(count(summary.roomsUpdated)) updated; "
                               + "\(count(summary.organisationsAdded)) organisations added; \(count(summary.keysCreated)) keys created.")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export every area and room as registry CSV, to FILE or to standard output.")

        @OptionGroup var options: RegistryCLIOptions

        @Argument(help: "Output file (replaced atomically); standard output without it.")
        var file: String?

        private struct Output: Encodable {
            var file: String
            var rooms: Int
        }

        func run() async throws {
            guard let file else {
                let text = try await options.withRegistry { registry in try await registry.exportCSV() }
                // Byte for byte what the registry wrote (CRLF records), so the output re-imports identically.
                CommandOutput.write(text)
                return
            }
            let rooms = try await options.withRegistry { registry in
                try await registry.exportCSV(to: URL(fileURLWithPath: file))
                return try await registry.counts().rooms
            }
            if options.json {
                try options.printJSON(Output(file: file, rooms: rooms))
            } else {
                CommandOutput.line("Exported \(CommandOutput.count(rooms)) rooms to \(file).")
            }
        }
    }
}
