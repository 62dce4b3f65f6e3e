import Foundation

/// The opaque paging cursor of the room list: the last code of a page, so the next page starts
/// strictly after it (keyset paging; stable while rooms are added, unlike offsets).
enum RoomCursor {
    private static let prefix = "r1:"

    static func encode(lastCode: String) -> String {
        Data((prefix + lastCode).utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String) throws -> String {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard cursor.utf8.count <= 64, let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
              text.hasPrefix(prefix) else {
            throw RegistryError(.invalid, "the cursor is not one this server issued")
        }
        let code = String(text.dropFirst(prefix.count))
        guard AreaCode.isValid(code, level: .village) else {
            throw RegistryError(.invalid, "the cursor is not one this server issued")
        }
        return code
    }
}
