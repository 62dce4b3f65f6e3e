import JointReporting

/// Request bodies of the joint-reporting API. Enumerations arrive as strings and are parsed by
/// the controller, so that a wrong value is refused with a message naming the allowed ones (and
/// recorded) rather than with a decoder's generic complaint.
enum ReportingBody {
    /// `POST /incidents`
    struct NewIncident: Decodable, Sendable {
        var villageCode: String?
        var townshipCode: String?
        var category: String
        var grade: String
        var title: String
        /// The first report, filed with the incident.
        var report: String?
    }

    /// `POST /incidents/{id}/reports`
    struct Report: Decodable, Sendable {
        var stage: String
        var text: String
    }

    /// `POST /sessions/{id}/feeds`
    struct Feed: Decodable, Sendable {
        var path: String
    }

    /// `POST /sessions/{id}/focus`; `null` (or no path) clears the focus.
    struct Focus: Decodable, Sendable {
        var path: String?
    }

    /// `POST /sessions/{id}/invitations`; the role defaults to participant.
    struct Invitation: Decodable, Sendable {
        var org: String
        var role: String?
    }

    /// `POST /sessions/{id}/escalations`
    struct Escalation: Decodable, Sendable {
        var grade: String
    }

    /// `POST /sessions/{id}/handover`
    struct Handover: Decodable, Sendable {
        var to: String
        var note: String
    }
}
