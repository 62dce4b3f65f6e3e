import Testing
@testable import StreamHub

@Suite("Path names")
struct PathNameTests {
    @Test("valid names", arguments: ["lab/cam1", "lab/a.b-c_d", "room/520602001201", "cam/bc-520602001", "hall/520600", "hall/520600-water"])
    func valid(text: String) throws {
        #expect(try PathName(text).description == text)
    }

    @Test("malformed names", arguments: [
        "", "lab", "lab/", "/lab", "lab/a/b", "lab/..", "lab/.hidden", "../../etc/passwd", "lab/a b", "lab/%2e%2e",
        "room/12345", "room/52060200120x", "lab/" + String(repeating: "x", count: 65), "lab/ä",
    ])
    func malformed(text: String) {
        #expect(throws: StreamHubError.self) { try PathName(text) }
        if let error = (try? PathName(text)) == nil ? Self.error(text) : nil {
            #expect(error.code == .malformedPath, "\(text): \(error.message)")
        }
    }

    @Test("an unknown kind is 'unknown', not 'malformed'")
    func unknownKind() {
        #expect(Self.error("video/cam1")?.code == .unknownPath)
        #expect(Self.error("../x")?.code == .malformedPath)
    }

    static func error(_ text: String) -> StreamHubError? {
        do {
            _ = try PathName(text)
            return nil
        } catch {
            return error
        }
    }
}
