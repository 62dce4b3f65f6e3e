import ArgumentParser
import Foundation
import Logging
import RelayApp

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway: SRT ingest on one UDP port, HLS and the API on one HTTP port.")

    @Option(name: .long, help: "YAML configuration file (see configs/fieldrelay.yml). Flags override it.")
    var config: String?

    @Option(name: .long, help: "Directory for the database and other persisted state (default ./data).")
    var data: String?

    @Option(name: .customLong("srt-port"), help: "UDP port for every SRT camera (default 9000).")
    var srtPort: Int?

    @Option(name: .customLong("http-port"), help: "HTTP port for HLS, the API and the console (default 8080).")
    var httpPort: Int?

    @Option(name: .long, help: "Address to bind both ports to (default 0.0.0.0).")
    var host: String?

    @Flag(name: .customLong("open-ingest"), help: "Lab use: any lab/<name> path may publish without a key (logged as a warning).")
    var openIngest = false

    func run() async throws {
        var configuration: RelayConfiguration
        do {
            configuration = try config.map { try RelayConfiguration.load(file: $0) } ?? RelayConfiguration()
            if let data { configuration.dataDirectory = data }
            if let srtPort { configuration.srt.port = srtPort }
            if let httpPort { configuration.http.port = httpPort }
            if let host {
                configuration.srt.host = host
                configuration.http.host = host
            }
            if openIngest { configuration.srt.openIngest = true }
            try configuration.validate(source: config ?? "command line")
        } catch let error as RelayAppError {
            throw ValidationError(error.message)
        }
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "fieldrelay.app")
        let application: RelayApplication
        do {
            application = try await RelayApplication.build(configuration)
        } catch let error as RelayAppError {
            logger.critical("cannot start: \(error.message)")
            throw ExitCode(2)
        }
        logger.info("FieldRelay started", metadata: [
            "srt": "\(configuration.srt.host):\(application.srtPort)",
            "http": "\(configuration.http.host):\(configuration.http.port)",
            "data": "\(configuration.dataDirectory)",
        ])
        try await application.run()
        logger.info("FieldRelay stopped")
    }
}
