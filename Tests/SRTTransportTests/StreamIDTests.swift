import Testing
@testable import SRTTransport

@Suite("Stream id parsing (SRT access-control syntax and the short forms)")
struct StreamIDTests {
    @Test("the keyed form with r and m", arguments: [
        ("#!::r=lab/cam1,m=publish", "lab/cam1", StreamID.Mode.publish, nil as String?),
        ("#!::m=publish,r=room/520602001201", "room/520602001201", .publish, nil),
        ("#!::r=lab/cam1,m=request,u=520600", "lab/cam1", .request, "520600"),
        ("#!::u=520602,r=hall/520602,m=request,s=abc", "hall/520602", .request, "520602"),
        ("#!::r=lab/cam1,m=publish,t=stream", "lab/cam1", .publish, nil),
    ])
    func keyed(raw: String, resource: String, mode: StreamID.Mode, user: String?) throws {
        let id = try StreamID.parse(raw)
        #expect(id == StreamID(resource: resource, mode: mode, user: user))
    }

    @Test("a missing m means request, as the specification says")
    func missingModeIsRequest() throws {
        #expect(try StreamID.parse("#!::r=lab/cam1").mode == .request)
    }

    @Test("publish:, read: and a bare path")
    func shortForms() throws {
        #expect(try StreamID.parse("publish:lab/a") == StreamID(resource: "lab/a", mode: .publish))
        #expect(try StreamID.parse("read:lab/a") == StreamID(resource: "lab/a", mode: .request))
        #expect(try StreamID.parse("lab/a") == StreamID(resource: "lab/a", mode: .publish))
        #expect(try StreamID.parse("room/520602001201") == StreamID(resource: "room/520602001201", mode: .publish))
    }

    @Test("percent-encoded stream ids are decoded", arguments: [
        "%23%21%3A%3Ar%3Dlab%2Fcam1%2Cm%3Dpublish",
        "%23!::r=lab%2Fcam1,m=publish",
        "publish%3Alab%2Fcam1",
    ])
    func percentEncoded(raw: String) throws {
        #expect(try StreamID.parse(raw) == StreamID(resource: "lab/cam1", mode: .publish))
    }

    @Test("malformed stream ids", arguments: [
        "", "#!::", "#!::m=publish", "#!::r=", "#!::r=a,r=b", "#!::r=lab/a,bogus", "#!::=x,r=lab/a",
        "%2", "%zz", "lab/\u{7}bell", "lab/caf\u{e9}", "#!{r=lab/a}", "publish:", "read:",
    ])
    func malformed(raw: String) {
        #expect(throws: StreamID.ParseError.self) { try StreamID.parse(raw) }
        do {
            _ = try StreamID.parse(raw)
        } catch {
            if case .unsupportedMode = error { Issue.record("\(raw) should be malformed, not a bad mode") }
        }
    }

    @Test("modes the gateway does not serve", arguments: ["#!::r=lab/a,m=bidirectional", "#!::r=lab/a,m=PUBLISH", "#!::r=lab/a,t=file,m=publish"])
    func unsupportedMode(raw: String) {
        do {
            _ = try StreamID.parse(raw)
            Issue.record("\(raw) was accepted")
        } catch {
            guard case .unsupportedMode = error else {
                Issue.record("\(raw): expected unsupportedMode, got \(error)")
                return
            }
        }
    }

    @Test("SRT's 512-byte limit: at the limit parses, over it is refused")
    func lengthLimit() throws {
        let prefix = "#!::m=publish,r=lab/cam1,x="
        let atLimit = prefix + String(repeating: "a", count: StreamID.maximumLength - prefix.count)
        #expect(atLimit.utf8.count == 512)
        #expect(try StreamID.parse(atLimit).resource == "lab/cam1")
        #expect(throws: StreamID.ParseError.self) { try StreamID.parse(atLimit + "a") }
    }
}
