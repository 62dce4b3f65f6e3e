import PathRules

/// When a path is recorded (mediamtx's `record` per path, as a table of rules).
public enum RecordingMode: String, Sendable, Codable, CaseIterable {
    /// Whenever the path is live.
    case always
    /// Only while one of its feeds is attached to a joint session (or recorded by hand).
    case session
    /// Never by rule (a session attach or a hand recording still records it).
    case never
}

/// One rule of `recording.rules`: `{match: "cam/*", mode: always}`. `match` is `*`, `<kind>/*`
/// or one exact path.
public struct RecordingRule: Sendable, Equatable, Codable {
    public var match: String
    public var mode: RecordingMode

    public init(match: String, mode: RecordingMode) throws(RecordingError) {
        guard Self.isValidPattern(match) else {
            throw RecordingError(.invalidConfiguration, "recording.rules: match \"\(match)\" is not \"*\", \"<kind>/*\" or a path (kinds: \(PathKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.match = match
        self.mode = mode
    }

    static func isValidPattern(_ pattern: String) -> Bool {
        if pattern == "*" { return true }
        if pattern.hasSuffix("/*") { return PathKind(rawValue: String(pattern.dropLast(2))) != nil }
        return (try? MediaPath(pattern)) != nil
    }

    func matches(_ path: MediaPath) -> Bool {
        if match == "*" { return true }
        if match.hasSuffix("/*") { return match.dropLast(2) == path.kind.rawValue }
        return match == path.description
    }
}

/// The rule table: the first rule that matches decides; a path no rule matches takes its kind's
/// default (`cam` always, `room`, `hall` and `point` session, `lab` never; a kind added later gets its
/// default here, the compiler asks for it).
public struct RecordingRules: Sendable, Equatable {
    public var rules: [RecordingRule]

    public init(_ rules: [RecordingRule] = []) { self.rules = rules }

    public static func defaultMode(for kind: PathKind) -> RecordingMode {
        switch kind {
        case .cam: .always
        case .room, .hall, .point: .session
        case .lab: .never
        }
    }

    /// The defaults written as rules (what `recording.rules` means when it is not configured).
    public static var defaults: RecordingRules {
        RecordingRules(PathKind.allCases.sorted().map { kind in
            // Patterns built from known kinds are valid by construction.
            try! RecordingRule(match: "\(kind.rawValue)/*", mode: defaultMode(for: kind))
        })
    }

    public func mode(for path: MediaPath) -> RecordingMode {
        rules.first { $0.matches(path) }?.mode ?? Self.defaultMode(for: path.kind)
    }
}
