/// Request bodies of the joint-reporting API. Enumerations arrive as strings and are parsed by
/// the controller, so that a wrong value is refused with a message naming the allowed ones (and
/// recorded) rather than with a decoder's generic complaint. Public for RelayAPI's controllers and the
/// `jsonbody` fuzzer (Tests/Fuzz), as everything in RelayRequests.
public enum ReportingBody {
    /// `POST /incidents`
    public struct NewIncident: Decodable, Sendable {
        public var villageCode: String?
        public var townshipCode: String?
        public var category: String
        public var grade: String
        public var title: String
        /// The first report, filed with the incident.
        public var report: String?
    }

    /// `POST /incidents/{id}/reports`
    public struct Report: Decodable, Sendable {
        public var stage: String
        public var text: String
    }

    /// `POST /sessions/{id}/feeds`
    public struct Feed: Decodable, Sendable {
        public var path: String
    }

    /// `POST /sessions/{id}/focus`; `null` (or no path) clears the focus.
    public struct Focus: Decodable, Sendable {
        public var path: String?
    }

    /// `POST /sessions/{id}/invitations`; the role defaults to participant.
    public struct Invitation: Decodable, Sendable {
        public var org: String
        public var role: String?
    }

    /// `POST /sessions/{id}/escalations`
    public struct Escalation: Decodable, Sendable {
        public var grade: String
    }

    /// `POST /sessions/{id}/handover`
    public struct Handover: Decodable, Sendable {
        public var to: String
        public var note: String
    }
}
