import Testing
@testable import RelayRequests

@Suite("HLS request names and Low-Latency directives, parsed without HTTP types")
struct HLSRequestTests {
    @Test("file kinds and path names")
    func files() throws {
        #expect(try HLSRequest(components: ["lab", "cam1", "multivariant.m3u8"]).file == .multivariantPlaylist)
        #expect(try HLSRequest(components: ["lab", "cam1", "index.m3u8"]).file == .defaultPlaylist)
        #expect(try HLSRequest(components: ["lab", "cam1", "ll.m3u8"]).file == .lowLatencyPlaylist)
        #expect(try HLSRequest(components: ["lab", "cam1", "ts.m3u8"]).file == .classicPlaylist)
        #expect(try HLSRequest(components: ["lab", "cam1", "x-3.ts"]).file == .classicSegment("x-3.ts"))
        #expect(try HLSRequest(components: ["lab", "cam1", "x-3.1.m4s"]).file == .lowLatencyResource("x-3.1.m4s"))
        #expect(try HLSRequest(components: ["room", "520602001201", "index.m3u8"]).path.description == "room/520602001201")
        #expect(throws: HLSRequest.Invalid(kind: .notFound, message: "expected /hls/<kind>/<id>/<file>")) {
            try HLSRequest(components: ["index.m3u8"])
        }
        #expect(throws: HLSRequest.Invalid.self) { try HLSRequest(components: ["lab", "..", "index.m3u8"]) }
        do {
            _ = try HLSRequest(components: ["lab", ".secret", "index.m3u8"])
            Issue.record("a dot-name was accepted")
        } catch {
            #expect(error.kind == .badRequest)
        }
    }

    @Test("_HLS_msn, _HLS_part and _HLS_skip")
    func directives() throws {
        func query(_ parameters: [String: String]) throws(HLSRequest.Invalid) -> LowLatencyQuery {
            try LowLatencyQuery { parameters[$0] }
        }
        #expect(try query([:]) == LowLatencyQuery())
        #expect(try query(["_HLS_msn": "12", "_HLS_part": "3", "_HLS_skip": "YES"]) == LowLatencyQuery(sequence: 12, part: 3, skip: true))
        #expect(try query(["_HLS_skip": "v2"]).skip)
        for bad in [["_HLS_msn": "-1"], ["_HLS_msn": "x"], ["_HLS_msn": "99999999999999999999"], ["_HLS_part": "1"],
                    ["_HLS_msn": "1", "_HLS_part": ""], ["_HLS_skip": "NO"]] {
            #expect(throws: HLSRequest.Invalid.self, "\(bad)") { try query(bad) }
        }
    }

    @Test("?token= is passed on percent-encoded, so it cannot break a URI")
    func tokenSuffix() {
        #expect(HLSRequest.tokenSuffix(nil) == "")
        #expect(HLSRequest.tokenSuffix("") == "")
        #expect(HLSRequest.tokenSuffix("abc+1") == "?token=abc%2B1")
        #expect(HLSRequest.tokenSuffix("a&b\"c\n") == "?token=a%26b%22c%0A")
    }
}
