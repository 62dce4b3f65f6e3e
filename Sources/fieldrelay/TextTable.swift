/// A plain-text table with aligned columns. Room and township names are Chinese, which terminals
/// draw two columns wide, so widths count East Asian wide characters as 2.
struct TextTable {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: [String]) {
        self.headers = headers
    }

    mutating func add(_ row: [String]) {
        rows.append(row)
    }

    func render() -> String {
        let all = [headers] + rows
        var widths = [Int](repeating: 0, count: headers.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], Self.width(cell))
            }
        }
        var text = ""
        for row in all {
            var line = ""
            for (index, cell) in row.enumerated() where index < widths.count {
                line += cell
                if index < widths.count - 1 {
                    line += String(repeating: " ", count: widths[index] - Self.width(cell) + 2)
                }
            }
            text += line + "\n"
        }
        return text
    }

    /// Display width in terminal columns (an approximation of Unicode East Asian Width: the wide
    /// and full-width ranges that occur in Chinese names count 2, everything else 1).
    static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            switch scalar.value {
            case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
                 0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
                 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
                return total + 2
            default:
                return total + 1
            }
        }
    }
}
