import ArgumentParser
import Foundation
import RoomRegistry

extension LoadgenCommand {
    /// The streams of this run: from the template, or rooms with their keys from the registry.
    func makeTargets(port basePort: Int) async throws -> [LoadTarget] {
        let indices = firstIndex..<(firstIndex + streams)
        func port(_ order: Int) -> Int { portPerStream ? basePort + order : basePort }
        guard let data else {
            let template = streamID ?? "lab/load-{i}"
            return indices.enumerated().map { order, index in
                let id = template.replacingOccurrences(of: "{i}", with: String(index))
                return LoadTarget(order: order, label: Self.path(in: id), streamID: id, passphrase: passphrase, port: port(order))
            }
        }
        guard passphrase == nil else {
            throw ValidationError("--passphrase does not apply with --data: every room has its own key")
        }
        let registry: Registry
        do {
            // Read-only: the gateway may be running on the same data directory.
            registry = try Registry.open(directory: URL(fileURLWithPath: data), options: RegistryOptions(readOnly: true))
        } catch {
            throw ValidationError("cannot open the registry in \(data): \(error)")
        }
        defer { try? registry.close() }
        let codes = try await roomCodes(registry, needed: indices.upperBound)
        guard codes.count >= indices.upperBound else {
            throw ValidationError("only \(codes.count) rooms available; --first-index \(firstIndex) --streams \(streams) needs \(indices.upperBound)")
        }
        var targets: [LoadTarget] = []
        targets.reserveCapacity(streams)
        for (order, index) in indices.enumerated() {
            let path = "room/\(codes[index])"
            do {
                let provisioning = try await registry.provisioning(path: path)
                targets.append(LoadTarget(order: order, label: path, streamID: provisioning.streamId,
                                          passphrase: provisioning.passphrase, port: port(order)))
            } catch {
                throw ValidationError("no key for \(path) in the registry of \(data): \(error)")
            }
        }
        return targets
    }

    /// Village room codes from the export (file order) or from the registry (code order).
    private func roomCodes(_ registry: Registry, needed: Int) async throws -> [String] {
        if let registryExport {
            let text: String
            do {
                text = try String(contentsOfFile: registryExport, encoding: .utf8)
            } catch {
                throw ValidationError("cannot read \(registryExport): \(error.localizedDescription)")
            }
            do {
                return try RoomExportReader.villageCodes(in: text)
            } catch {
                throw ValidationError("\(registryExport): \(error)")
            }
        }
        var codes: [String] = []
        var cursor: String?
        repeat {
            let page = try await registry.rooms(RoomQuery(limit: RoomQuery.maximumLimit, cursor: cursor))
            codes += page.rooms.map(\.code)
            cursor = page.nextCursor
        } while cursor != nil && codes.count < needed
        return codes
    }

    /// The path a stream id names, for labels: `#!::r=lab/x,m=publish` and `publish:lab/x` give `lab/x`.
    static func path(in streamID: String) -> String {
        if streamID.hasPrefix("#!::") {
            for item in streamID.dropFirst(4).split(separator: ",") where item.hasPrefix("r=") {
                return String(item.dropFirst(2))
            }
            return streamID
        }
        if let colon = streamID.firstIndex(of: ":") { return String(streamID[streamID.index(after: colon)...]) }
        return streamID
    }
}
