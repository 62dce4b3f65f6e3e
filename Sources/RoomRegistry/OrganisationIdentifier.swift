/// Organisation ids: an area code (`520600`, `520602`, `520602001`) optionally followed by a
/// lowercase department suffix (`520600-water`). They appear in `hall/<id>` paths.
enum OrganisationIdentifier {
    static func isValid(_ id: String) -> Bool {
        let parts = id.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let head = parts.first, [6, 9].contains(head.utf8.count), AreaCode.isDigits(String(head)) else { return false }
        guard parts.count == 2 else { return true }
        let suffix = parts[1].utf8
        return (1...48).contains(suffix.count) && suffix.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-")
        }
    }
}
