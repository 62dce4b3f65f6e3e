/// Rules for administrative codes: 6 digits city and county, 9 township, 12 village, each level
/// extending its parent's digits (a county shares its city's first 4 digits).
enum AreaCode {
    static func isDigits(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    static func isValid(_ code: String, level: AreaLevel) -> Bool {
        code.utf8.count == level.codeLength && isDigits(code)
    }

    /// How many leading digits a child shares with its parent.
    static func sharedPrefixLength(child: AreaLevel) -> Int {
        switch child {
        case .city: return 0
        case .county: return 4
        case .township: return 6
        case .village: return 9
        }
    }

    /// True when `code` (at `level`) extends `parent` as the code structure demands.
    static func extends(_ code: String, parent: String, level: AreaLevel) -> Bool {
        let n = sharedPrefixLength(child: level)
        return code.utf8.prefix(n).elementsEqual(parent.utf8.prefix(n)) && parent.utf8.count >= n
    }

    /// County code of a room or township code (its first 6 digits).
    static func county(of code: String) -> String { String(code.prefix(6)) }
    static func township(of code: String) -> String { String(code.prefix(9)) }
}
