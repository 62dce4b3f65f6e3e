/// The one error type of the JointReporting module.
///
/// Every refusal carries a domain `code` (which the HTTP layer maps to a status; this module never
/// speaks of status codes or storage engines) and a `message` written for the person at the
/// console, saying *why* the action was refused.
public struct ReportingError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// The thing does not exist, or the acting organisation may not know that it exists
        /// (another county's session is reported as not found, never as forbidden, so that its
        /// existence does not leak).
        case notFound = "not_found"
        /// The organisation can see the thing but may not do this to it.
        case forbidden
        /// The action is well formed and permitted in principle, but the current state does not
        /// allow it (session closed, feed already attached, grade not higher, ...).
        case conflict
        /// The input is malformed (bad path, empty note, over-long text, ...).
        case invalid
        /// The record could not be written, so nothing was applied.
        case unavailable
    }

    /// A finer, stable name for the refusals a person meets at the console, so that a client can
    /// say them in its own language (`grade_not_lowered`, `not_host`, ...). `nil` where the
    /// general `code` says enough. Part of the public API: names are added, never changed.
    public enum Reason: String, Sendable, Hashable, Codable, CaseIterable {
        /// The session is closed; it can only be read.
        case sessionClosed = "session_closed"
        /// Only the session's host may do this.
        case notHost = "not_host"
        /// The organisation must have joined the session first.
        case notJoined = "not_joined"
        /// Observers watch; they do not publish, invite or command.
        case observer
        /// The organisation is not invited and has no authority over the place.
        case notInvited = "not_invited"
        /// The organisation was removed by the host; only a new invitation lets it back.
        case removedFromSession = "removed_from_session"
        /// The organisation has already joined.
        case alreadyJoined = "already_joined"
        /// The organisation is already invited.
        case alreadyInvited = "already_invited"
        /// The host cannot leave (or be removed); it hands command over first.
        case hostCannotLeave = "host_cannot_leave"
        /// The organisation has authority over the place and cannot be removed.
        case hasAuthority = "has_authority"
        /// Grades are never lowered.
        case gradeNotLowered = "grade_not_lowered"
        /// The incident already has this grade.
        case gradeUnchanged = "grade_unchanged"
        /// The incident already has the highest grade, I.
        case gradeHighest = "grade_highest"
        /// The source or place lies outside the organisation's jurisdiction.
        case outsideJurisdiction = "outside_jurisdiction"
        /// The feed is already attached.
        case alreadyAttached = "already_attached"
        /// The feed is not attached.
        case notAttached = "not_attached"
        /// The incident already has an open session.
        case sessionAlreadyOpen = "session_already_open"
        /// The organisation may follow the incident but not report on it.
        case mayNotReport = "may_not_report"
        /// Reports come in order: first, follow-ups, final.
        case reportOutOfOrder = "report_out_of_order"
        /// The final report is filed; reporting is closed.
        case reportingClosed = "reporting_closed"
        /// Command passes only along the incident's chain (township, county, city).
        case notInChain = "not_in_chain"
        /// An idempotency key was used again for a different request.
        case idempotencyKeyReused = "idempotency_key_reused"
    }

    public var code: Code
    public var message: String
    public var reason: Reason?
    /// What the storage layer threw when `code == .unavailable`; never shown to callers because it
    /// may describe storage internals.
    public var underlying: (any Error)?

    public init(_ code: Code, _ message: String, reason: Reason? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.reason = reason
        self.underlying = underlying
    }

    public var description: String { "\(code.rawValue): \(message)" }

    static func notFound(_ message: String, _ reason: Reason? = nil) -> ReportingError { .init(.notFound, message, reason: reason) }
    static func forbidden(_ message: String, _ reason: Reason? = nil) -> ReportingError { .init(.forbidden, message, reason: reason) }
    static func conflict(_ message: String, _ reason: Reason? = nil) -> ReportingError { .init(.conflict, message, reason: reason) }
    static func invalid(_ message: String, _ reason: Reason? = nil) -> ReportingError { .init(.invalid, message, reason: reason) }
}
