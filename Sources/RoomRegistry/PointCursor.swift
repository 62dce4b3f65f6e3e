import Foundation
import PathRules

/// The opaque paging cursor of the point list: the last (area code, id) of a page, so the next
/// page starts strictly after it in the list's order (keyset paging).
enum PointCursor {
    private static let prefix = "p1:"

    static func encode(areaCode: String, id: String) -> String {
        Data((prefix + areaCode + ":" + id).utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String) throws -> (areaCode: String, id: String) {
        let refusal = RegistryError(.invalid, "the cursor is not one this server issued", field: "cursor")
        guard cursor.utf8.count <= 160 else { throw refusal }
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8), text.hasPrefix(prefix) else {
            throw refusal
        }
        let parts = text.dropFirst(prefix.count).split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, AreaCode.isDigits(String(parts[0])), IdentifierRule.pointID.accepts(String(parts[1])) else {
            throw refusal
        }
        return (String(parts[0]), String(parts[1]))
    }
}
