import Testing
@testable import RoomRegistry

@Suite("RFC 4180 reader and writer")
struct CSVTests {
    @Test("quoted fields with commas, quotes, CRLF and LF inside; line numbers of records")
    func reading() throws {
        let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\n1,,3\n\n\"\",last,\"\n\"\r\n"
        let records = try CSVReader.records(text)
        #expect(records == [
            CSVReader.Record(line: 1, fields: ["a", "b", "c"]),
            CSVReader.Record(line: 2, fields: ["x, y", "say \"hi\"", "two\r\nlines"]),
            CSVReader.Record(line: 4, fields: ["1", "", "3"]),
            CSVReader.Record(line: 6, fields: ["", "last", "\n"]),
        ])
    }

    @Test("a UTF-8 byte-order mark and a missing final line end are accepted")
    func bomAndNoFinalNewline() throws {
        #expect(try CSVReader.records("\u{FEFF}a,b\r\n1,2") == [
            CSVReader.Record(line: 1, fields: ["a", "b"]), CSVReader.Record(line: 2, fields: ["1", "2"]),
        ])
    }

    @Test("malformed quoting is refused with line and column",
          arguments: [
            ("a,b\r\n1,\"open\r\nstill open", 2, 2),
            ("a,b\r\nab\"c,d", 2, 1),
            ("a,b\r\n1,\"closed\"x", 2, 2),
          ])
    func malformed(text: String, line: Int, column: Int) {
        #expect {
            _ = try CSVReader.records(text)
        } throws: { error in
            guard let failure = error as? CSVReader.Failure else { return false }
            return failure.line == line && failure.column == column
        }
    }

    @Test("writer quotes only when needed and reads back identically")
    func writing() throws {
        let rows = [["plain", "with, comma", "with \"quote\"", "multi\r\nline", "", "中文"]]
        var writer = CSVWriter()
        for row in rows { writer.append(row) }
        #expect(writer.text == "plain,\"with, comma\",\"with \"\"quote\"\"\",\"multi\r\nline\",,中文\r\n")
        #expect(try CSVReader.records(writer.text).map(\.fields) == rows)
    }
}
