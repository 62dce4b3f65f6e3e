import ArgumentParser
import Evidence
import Foundation

/// `fieldrelay evidence public-key|verify` (issue 14). `verify` needs nothing but the package and
/// the public key: no server, no data directory, no database.
struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "Evidence exports: print the gateway's public key, verify an export package offline.",
        subcommands: [PublicKey.self, Verify.self])

    struct PublicKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-key",
            abstract: "Print the gateway's evidence public key (PEM, SubjectPublicKeyInfo) and its id.",
            discussion: "The key id is the first 8 bytes of the SHA-256 of the DER public key, in hex "
                + "(openssl pkey -pubin -in key.pem -outform DER | sha256sum | cut -c1-16). The PEM goes to "
                + "stdout, the id to stderr, so `fieldrelay evidence public-key > key.pem` saves the key.")

        @Option(name: .long, help: "Data directory holding evidence.key (default ./data).")
        var data: String = "./data"

        func run() throws {
            let path = URL(fileURLWithPath: data).appendingPathComponent("evidence.key").path
            guard FileManager.default.fileExists(atPath: path) else {
                FileHandle.standardError.write(Data("evidence public-key: no evidence key at \(path) (it is created at the first `fieldrelay serve --data \(data)`)\n".utf8))
                throw ExitCode(2)
            }
            do {
                let key = try EvidenceKey(pem: try String(contentsOfFile: path, encoding: .utf8))
                print(key.publicKey.pem, terminator: "")
                FileHandle.standardError.write(Data("key id \(key.publicKey.id)\n".utf8))
            } catch {
                FileHandle.standardError.write(Data("evidence public-key: \(path): \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Verify an export package against the gateway's public key, offline.",
            discussion: "Checks the manifest's signature, every file's SHA-256, every seal's signature, and that the "
                + "fragments are exactly the ones the seals list for the range. Exit 0: verified; 1: it fails (the "
                + "first file that fails is named); 2: the package or key cannot be read.")

        @Argument(help: "The export package (.zip).")
        var package: String

        @Option(name: .customLong("public-key"), help: "The gateway's public key, PEM (from `fieldrelay evidence public-key` or GET /api/v1/evidence/public-key).")
        var publicKey: String

        @Flag(name: .long, help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            let key: EvidencePublicKey
            do {
                key = try EvidencePublicKey(pem: try String(contentsOfFile: publicKey, encoding: .utf8))
            } catch {
                FileHandle.standardError.write(Data("evidence verify: \(publicKey): \(error)\n".utf8))
                throw ExitCode(2)
            }
            guard FileManager.default.isReadableFile(atPath: package) else {
                FileHandle.standardError.write(Data("evidence verify: \(package): no such readable file\n".utf8))
                throw ExitCode(2)
            }
            do {
                let report = try PackageVerifier.verify(package: package, publicKey: key)
                if json {
                    let object: [String: Any] = ["verified": true, "keyId": report.keyId, "path": report.path,
                                                 "from": report.given.from, "to": report.given.to, "files": report.files,
                                                 "sources": report.sources, "fragments": report.fragments, "spans": report.spans, "bytes": report.bytes]
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print("verified: \(report.path) \(report.given.from) – \(report.given.to), key \(report.keyId)")
                    print("  \(report.files) file(s), \(report.bytes) bytes; \(report.fragments) fragment(s) from \(report.sources) "
                          + "recording file(s), each as its seal lists it; \(report.spans) convenience MP4(s)")
                }
            } catch let error as EvidenceError {
                if json {
                    let data = (try? JSONSerialization.data(withJSONObject: ["verified": false, "error": error.message], options: [.sortedKeys])) ?? Data()
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print("NOT VERIFIED: \(error.message)")
                }
                throw ExitCode(1)
            }
        }
    }
}
