import PathRules
import Recording
import Testing

@Suite("Recording rules: first match decides, kinds have defaults")
struct RecordingRulesTests {
    @Test func defaultsPerKind() throws {
        let rules = RecordingRules.defaults
        #expect(rules.mode(for: try MediaPath("cam/bc-0001")) == .always)
        #expect(rules.mode(for: try MediaPath("room/520602101001")) == .session)
        #expect(rules.mode(for: try MediaPath("hall/520602")) == .session)
        #expect(rules.mode(for: try MediaPath("lab/demo")) == .never)
        #expect(rules.mode(for: try MediaPath("point/52060200001320000001")) == .session)
    }

    @Test func firstMatchWins() throws {
        let rules = RecordingRules([
            try RecordingRule(match: "room/520602101001", mode: .always),
            try RecordingRule(match: "room/*", mode: .never),
        ])
        #expect(rules.mode(for: try MediaPath("room/520602101001")) == .always)
        #expect(rules.mode(for: try MediaPath("room/520602101002")) == .never)
        // No rule for cam: its kind's default.
        #expect(rules.mode(for: try MediaPath("cam/bc-0001")) == .always)
    }

    @Test func badPatternsAreRefused() {
        #expect(throws: RecordingError.self) { try RecordingRule(match: "tv/*", mode: .always) }
        #expect(throws: RecordingError.self) { try RecordingRule(match: "../etc", mode: .always) }
        #expect(throws: RecordingError.self) { try RecordingRule(match: "cam/*x", mode: .always) }
    }
}
