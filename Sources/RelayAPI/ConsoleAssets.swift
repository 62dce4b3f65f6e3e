import Foundation
import HTTPTypes
import Hummingbird

/// The console's files (`Sources/RelayAPI/Console`, copied into the module's resource bundle by
/// SwiftPM), read once on first use and served with their content types.
enum ConsoleAssets {
    /// The console's files, read once: a few tens of kilobytes.
    static let files: [String: [UInt8]] = {
        guard let directory = Bundle.module.url(forResource: "Console", withExtension: nil),
              let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else { return [:] }
        var files: [String: [UInt8]] = [:]
        for name in names {
            if let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) {
                files[name] = Array(data)
            }
        }
        return files
    }()

    static func contentType(_ name: String) -> String {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        default: "application/octet-stream"
        }
    }

    static func response(_ name: String) throws -> Response {
        guard let bytes = files[name] else { throw APIError(.notFound, "no console file '\(name.prefix(80))'") }
        var headers = HTTPFields()
        headers[.contentType] = contentType(name)
        // Served by the gateway itself: revalidate, so an upgrade shows at the next load.
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
