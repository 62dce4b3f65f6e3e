import Foundation
import Synchronization
import Testing
@testable import RoomRegistry

/// A fresh directory under the system temp dir, removed by `remove()`.
struct TempDirectory {
    let url: URL

    init(_ label: String = "registry") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("fieldrelay-\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Collects source-change notifications.
final class ChangeLog: Sendable {
    private let changes = Mutex<[SourceChange]>([])

    func record(_ change: SourceChange) { changes.withLock { $0.append(change) } }
    var all: [SourceChange] { changes.withLock { $0 } }
    func kinds(for path: String) -> [SourceChange.Kind] { all.filter { $0.path == path }.map(\.kind) }
}

/// Runs `body`, expecting a `RegistryError` with `code` (and, if given, line and field).
@discardableResult
func expectRegistryError(
    _ code: RegistryError.Code, line: Int? = nil, field: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async -> RegistryError? {
    do {
        try await body()
        Issue.record("expected RegistryError.\(code), but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as RegistryError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        if let line { #expect(error.line == line, "\(error)", sourceLocation: sourceLocation) }
        if let field { #expect(error.field == field, "\(error)", sourceLocation: sourceLocation) }
        return error
    } catch {
        Issue.record("expected RegistryError.\(code), got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A registry in a temp directory, seeded with the demo data.
func seededRegistry(_ dir: TempDirectory) async throws -> Registry {
    let registry = try Registry.open(directory: dir.url)
    try await registry.seedDemo()
    return registry
}

/// A small valid registry CSV: the city, one county, one township, two villages.
let smallCSV = """
level,code,name,parent_code,room_name,latitude,longitude,synthetic,equipment_note\r
city,520600,铜仁市,,,,,false,\r
county,520602,碧江区,520600,,,,false,\r
township,520602001,测试街道,520602,,,,true,\r
village,520602001201,一村,520602001,一村应急视频室,27.700000,109.180000,true,"球机, 4G"\r
village,520602001202,二村,520602001,二村应急视频室,27.710000,109.190000,true,\r

"""
