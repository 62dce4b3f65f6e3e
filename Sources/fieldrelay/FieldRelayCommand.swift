import ArgumentParser

@main
struct FieldRelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldrelay",
        abstract: "FieldRelay: SRT in, HLS out — the live video gateway for rural emergency command.",
        subcommands: [ServeCommand.self, RoomsCommand.self, PointsCommand.self, DevicesCommand.self, RegistryCommand.self, OrgsCommand.self,
                      AuditCommand.self, RecordingsCommand.self, EvidenceCommand.self, LoadgenCommand.self],
        defaultSubcommand: ServeCommand.self)
}
