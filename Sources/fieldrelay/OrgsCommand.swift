import AccessKeys
import ArgumentParser
import Foundation
import ReportingStore
import RoomRegistry

/// `fieldrelay orgs …`: organisation tokens for joint reporting, issued from the data directory
/// (also while the server runs: it picks up a new token on first use and a revocation within
/// seconds).
struct OrgsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orgs",
        abstract: "Organisation tokens for joint reporting (issue, list, revoke) and SRT read keys (print, rotate).",
        subcommands: [Token.self, Tokens.self, Revoke.self, SRTKey.self, RotateSRTKey.self])

    struct SRTKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "srt-key",
            abstract: "Print the key an organisation's hardware decoder uses to read feeds over SRT (u=<id>); 'admin' reads everything.")

        @Argument(help: "Organisation id, or admin.")
        var id: String

        @Option(name: .long, help: "Data directory (default ./data).")
        var data: String = "./data"

        func run() async throws {
            let keys = try await OrgsCommand.openSRTReadKeys(id, data: data)
            defer { try? keys.database.close() }
            OrgsCommand.printReadKey(keys.currentKey(for: id), for: id)
        }
    }

    struct RotateSRTKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-srt-key",
            abstract: "Replace an organisation's (or admin's) SRT read key and print the new one; the old key stops working (a running server: within seconds, cutting readers that use it).")

        @Argument(help: "Organisation id, or admin.")
        var id: String

        @Option(name: .long, help: "Data directory (default ./data).")
        var data: String = "./data"

        func run() async throws {
            let keys = try await OrgsCommand.openSRTReadKeys(id, data: data)
            defer { try? keys.database.close() }
            let rotated = try await OrgsCommand.failing { try await keys.rotate(id) }
            OrgsCommand.printReadKey(rotated.key, for: id)
            FileHandle.standardError.write(Data("read key of \(id) rotated (generation \(rotated.generation)); the previous key no longer works\n".utf8))
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new token for an organisation and print it (shown once; only its hash is kept).")

        @Argument(help: "Organisation id, e.g. 520602 (a county hall) or 520600-water (a department).")
        var id: String

        @Option(name: .long, help: "Data directory (default ./data).")
        var data: String = "./data"

        func run() async throws {
            let directory = URL(fileURLWithPath: data)
            try await OrgsCommand.requireOrganisation(id, in: directory)
            let database = try OrgsCommand.openStore(directory)
            defer { try? database.close() }
            let issued = try await OrgsCommand.failing { try await database.issueToken(organisation: id) }
            // The token alone on standard output, so a script can capture it.
            print(issued.token)
            FileHandle.standardError.write(Data("token \(issued.info.id) issued for \(id); keep it secret, it is not shown again\n".utf8))
        }
    }

    struct Tokens: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an organisation's tokens (never the secrets).")

        @Argument(help: "Organisation id.")
        var id: String

        @Option(name: .long, help: "Data directory (default ./data).")
        var data: String = "./data"

        func run() async throws {
            let database = try OrgsCommand.openStore(URL(fileURLWithPath: data))
            defer { try? database.close() }
            let tokens = try await OrgsCommand.failing { try await database.tokens(organisation: id) }
            let formatter = ISO8601DateFormatter()
            for token in tokens {
                let state = token.revokedAt.map { "revoked \(formatter.string(from: $0))" } ?? "active"
                print("\(token.id)\t\(token.hint)…\t\(formatter.string(from: token.createdAt))\t\(state)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by the number `orgs tokens` lists.")

        @Argument(help: "Token number.")
        var tokenID: Int64

        @Option(name: .long, help: "Data directory (default ./data).")
        var data: String = "./data"

        func run() async throws {
            let database = try OrgsCommand.openStore(URL(fileURLWithPath: data))
            defer { try? database.close() }
            let info = try await OrgsCommand.failing { try await database.revokeToken(id: tokenID) }
            print("token \(info.id) of \(info.organisation) revoked")
        }
    }

    static func requireOrganisation(_ id: String, in directory: URL) async throws {
        do {
            let registry = try Registry.open(directory: directory, options: RegistryOptions(readOnly: true))
            defer { try? registry.close() }
            _ = try await registry.organisation(id: id)
        } catch let error as RegistryError {
            throw ValidationError("\(error.message) (registry in \(directory.path))")
        }
    }

    /// The read keys of the data directory, after checking that `id` is `admin` or a known
    /// organisation and that the server has made the audit key they derive from.
    static func openSRTReadKeys(_ id: String, data: String) async throws -> SRTReadKeyGenerations {
        let directory = URL(fileURLWithPath: data)
        if id != "admin" { try await requireOrganisation(id, in: directory) }
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(AuditKeyFile.fileName).path) else {
            throw ValidationError("no \(AuditKeyFile.fileName) in \(directory.path): start the server once first")
        }
        let key = try AuditKeyFile.loadOrCreate(directory: directory)
        let database = try openStore(directory)
        do {
            return try await failing { try await SRTReadKeyGenerations(database: database, keys: SRTReadKeys(auditKey: key.key)) }
        } catch {
            try? database.close()
            throw error
        }
    }

    /// The key alone on standard output, so a script can capture it; how to use it on standard error.
    static func printReadKey(_ key: String, for id: String) {
        print(key)
        FileHandle.standardError.write(Data("read with: srt://HOST:PORT?streamid=#!::r=<path>,m=request,u=\(id)&passphrase=<key>\n".utf8))
    }

    static func openStore(_ directory: URL) throws -> ReportingDatabase {
        do {
            let key = try AuditKeyFile.loadOrCreate(directory: directory)
            return try ReportingDatabase.open(directory: directory, auditKey: key.key)
        } catch let error as ReportingStoreError {
            throw ValidationError(error.message)
        }
    }

    static func failing<Value>(_ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch let error as ReportingStoreError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
