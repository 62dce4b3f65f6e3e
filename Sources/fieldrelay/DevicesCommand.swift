import ArgumentParser
import Foundation
import RoomRegistry

/// `fieldrelay devices add|list|revoke|rotate-key`: body cameras and other registered devices.
/// Revocation and rotation cut a live connection only once the server notices the change (it
/// re-reads the registry when another process has written to it).
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "Register, list and revoke devices (body cameras), and rotate their keys.",
        subcommands: [Add.self, List.self, Revoke.self, RotateKey.self])

    /// Stream id and passphrase, as an installer types them into the device.
    static func printProvisioning(_ provisioning: Provisioning, heading: String) {
        CommandOutput.line(heading)
        CommandOutput.line("  stream id:  \(provisioning.streamId)")
        CommandOutput.line("  passphrase: \(provisioning.passphrase)")
        CommandOutput.line("  key made:   \(CommandOutput.date(provisioning.keyCreatedAt))")
    }
}

extension DevicesCommand {
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a device and print its stream id and passphrase.")

        @OptionGroup var options: RegistryCLIOptions

        @Option(name: .long, help: "Device id: 1 to 64 of A-Z a-z 0-9 _ - (it becomes the path cam/<id>).")
        var id: String

        @Option(name: .long, help: "Name people see, e.g. the team and camera number.")
        var name: String

        @Option(name: .long, help: "Owning organisation id, e.g. 520602001 or 520600-fire.")
        var org: String

        private struct Output: Encodable {
            var device: Device
            var provisioning: Provisioning
        }

        func run() async throws {
            let output = try await options.withRegistry { registry in
                let device = try await registry.addDevice(id: id, name: name, org: org)
                return Output(device: device, provisioning: try await registry.provisioning(path: device.sourcePath))
            }
            if options.json {
                try options.printJSON(output)
                return
            }
            let device = output.device
            DevicesCommand.printProvisioning(output.provisioning,
                                             heading: "Added device \(device.id) (\(device.name)), owned by \(device.org), \(device.state.rawValue).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List devices, optionally of one organisation.")

        @OptionGroup var options: RegistryCLIOptions

        @Option(name: .long, help: "Only devices owned by this organisation.")
        var org: String?

        private struct Output: Encodable {
            var devices: [Device]
        }

        func run() async throws {
            let devices = try await options.withRegistry { registry in try await registry.devices(org: org) }
            if options.json {
                try options.printJSON(Output(devices: devices))
                return
            }
            var table = TextTable(["ID", "NAME", "ORG", "STATE", "CREATED"])
            for device in devices {
                table.add([device.id, device.name, device.org, device.state.rawValue, CommandOutput.date(device.createdAt)])
            }
            CommandOutput.write(table.render())
            CommandOutput.line("\(CommandOutput.count(devices.count)) devices")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a device: it may no longer publish (SRT refusal 1403).")

        @OptionGroup var options: RegistryCLIOptions

        @Argument(help: "Device id.")
        var id: String

        func run() async throws {
            let device = try await options.withRegistry { registry in try await registry.revokeDevice(id: id) }
            if options.json {
                try options.printJSON(device)
            } else {
                CommandOutput.line("Device \(device.id) (\(device.name)) is \(device.state.rawValue).")
            }
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Issue a new passphrase for a device; the old one stops working.")

        @OptionGroup var options: RegistryCLIOptions

        @Argument(help: "Device id.")
        var id: String

        func run() async throws {
            let provisioning = try await options.withRegistry { registry in try await registry.rotateDeviceKey(id: id) }
            if options.json {
                try options.printJSON(provisioning)
            } else {
                DevicesCommand.printProvisioning(provisioning, heading: "New key for \(provisioning.sourcePath):")
            }
        }
    }
}
