import Foundation
import JointReporting
import ReportingStore

/// Response bodies of the joint-reporting API.
enum ReportingResponse {
    struct IncidentView: Encodable, Sendable {
        var id: String
        var category: String
        var grade: String
        var villageCode: String?
        var townshipCode: String?
        var title: String
        var reporter: String
        var createdAt: Date
        /// `open` until the final report is filed, then `closed`.
        var state: String
        var reports: [IncidentReport]
        var reporting: ReportingStatus
        var overdue: Bool
        var sessions: [String]
        var openSession: String?
        /// Names for people beside the codes: the reporting organisation's, the place's.
        var reporterName: String?
        var placeName: String?

        init(_ incident: Incident, status: ReportingStatus, sessions: [JointSession]) {
            id = incident.id
            category = incident.category.rawValue
            grade = incident.grade.rawValue
            switch incident.location {
            case .village(let code): villageCode = code
            case .township(let code): townshipCode = code
            }
            title = incident.title
            reporter = incident.reporter
            createdAt = incident.createdAt
            state = incident.hasFinalReport ? "closed" : "open"
            reports = incident.reports
            reporting = status
            overdue = status.isOverdue
            self.sessions = sessions.map(\.id)
            openSession = sessions.first { $0.state == .open }?.id
        }
    }

    struct ParticipantView: Encodable, Sendable {
        var org: String
        var name: String?
        /// Its console made a request in the last 30 s.
        var online: Bool
        /// The session's feeds it watched in the last 10 s.
        var watching: [String]
        var role: String
        var state: String
        var invitedBy: String?
        var since: Date
        /// What the caller may do to this participant now (`remove`, `handover`).
        var actions: [String]
    }

    struct FeedView: Encodable, Sendable {
        var path: String
        /// The source's name (a village room's, a body camera's, a hall's), nil when unknown.
        var name: String?
        /// Playable by the caller (with a fresh viewer token), or null when the caller may know
        /// of the feed but not watch it (invited, not yet joined).
        var hlsUrl: String?
        var attachedBy: String
        var attachedAt: Date
        var focus: Bool
        /// What the caller may do to this feed now (`focus`, `detach`).
        var actions: [String]
    }

    struct SessionView: Encodable, Sendable {
        var id: String
        var incidentId: String
        var state: String
        var host: String
        var hostName: String?
        var grade: String?
        /// What the session is about, so an invitation says it: the incident's title, category
        /// and place (code and name).
        var title: String?
        var category: String?
        var placeCode: String?
        var placeName: String?
        var participants: [ParticipantView]
        var feeds: [FeedView]
        var focus: String?
        var createdAt: Date
        var closedAt: Date?
        /// What the caller may do to the session now (`SessionAction` names, decided by the rule
        /// that refuses the commands); empty for the admin and for viewer tokens, which only read.
        var actions: [String]
    }

    struct IncidentList: Encodable, Sendable {
        var incidents: [IncidentView]
    }

    struct SessionList: Encodable, Sendable {
        var sessions: [SessionView]
    }

    struct EventList: Encodable, Sendable {
        var events: [AuditEvent]
    }

    struct Token: Encodable, Sendable {
        /// The secret, shown this once.
        var token: String
        var id: Int64
        var org: String
        var hint: String
        var createdAt: Date
    }

    struct TokenList: Encodable, Sendable {
        var tokens: [OrganisationTokenInfo]
    }

    struct SRTReadKey: Encodable, Sendable {
        /// The organisation id, or `admin`.
        var org: String
        /// The new passphrase for `u=<org>`; the previous one no longer works.
        var key: String
        var generation: Int
    }
}
