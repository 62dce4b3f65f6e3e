import Foundation

/// Owns the state of joint reporting: applies each command through the pure rules, persists the
/// event and the changed incident/session in one store call, then updates memory and the viewing
/// index and publishes the event. A refused command appends a refusal event and throws.
///
/// Commands run one at a time (a FIFO gate around each): an actor alone would let a second
/// command start while the first awaits the store, compute on stale state and take the same
/// sequence number. Reads and `canView` do not wait for the gate; they see committed state only,
/// because state changes only after the store has accepted the write.
public actor SessionCoordinator {
    public nonisolated let directory: any OrganisationDirectory
    public nonisolated let catalog: any FeedCatalog
    public nonisolated let rules: EscalationRules
    public nonisolated let deadlines: ReportingDeadlines
    public nonisolated let clock: any ReportingClock
    /// Session-granted viewing, readable without entering the actor.
    public nonisolated let viewing = ViewingIndex()

    let store: any ReportingStore
    let auditKey: Data
    var chain: AuditChain
    var incidents: [String: Incident] = [:]
    var sessions: [String: JointSession] = [:]
    /// All events, in order. The record of a city's joint reporting is small (122 incidents in
    /// 2022); a store-backed query can replace this when it is not.
    var events: [AuditEvent] = []
    var openSessionByIncident: [String: String] = [:]
    var sessionsByIncident: [String: [String]] = [:]
    /// First views already recorded, as "session|org|path".
    var viewsRecorded: Set<String> = []
    /// Creations asked for with an idempotency key, by `idempotencyIndex(_:actor:key:)`: what
    /// was created and the request that created it. Rebuilt at start from the record, where the
    /// key is stored in the creation's event, so a retry after a restart finds it too.
    var idempotentCreations: [String: IdempotentCreation] = [:]
    var nextIncidentNumber = 1
    var nextSessionNumber = 1
    var subscribers: [UUID: Subscriber] = [:]

    struct Subscriber {
        var filter: @Sendable (AuditEvent) -> Bool
        var continuation: AsyncStream<AuditEvent>.Continuation
    }

    struct IdempotentCreation: Sendable {
        var resource: String
        var request: [String: AuditValue]
    }

    private var gateBusy = false
    private var gateWaiters: [CheckedContinuation<Void, Never>] = []

    /// Loads everything from `store` and rebuilds the in-memory state and viewing index.
    /// `auditKey` is the raw key (at least 32 random bytes, from `<data>/audit.key`).
    public init(
        store: any ReportingStore, directory: any OrganisationDirectory, catalog: any FeedCatalog,
        auditKey: Data, clock: any ReportingClock = SystemReportingClock(),
        rules: EscalationRules = .default, deadlines: ReportingDeadlines = .default
    ) async throws(ReportingError) {
        self.store = store
        self.directory = directory
        self.catalog = catalog
        self.clock = clock
        self.rules = try rules.validated()
        self.deadlines = try deadlines.validated()
        guard auditKey.count >= 32 else {
            throw .invalid("the audit key must be at least 32 bytes, got \(auditKey.count)")
        }
        self.auditKey = auditKey
        let snapshot: ReportingSnapshot
        do {
            snapshot = try await store.load()
        } catch {
            throw ReportingError(.unavailable, "the joint-reporting record could not be loaded", underlying: error)
        }
        self.chain = AuditChain(keyBytes: auditKey, resumingAfter: snapshot.events.last)
        self.events = snapshot.events
        for incident in snapshot.incidents { incidents[incident.id] = incident }
        for session in snapshot.sessions {
            sessions[session.id] = session
            sessionsByIncident[session.incidentId, default: []].append(session.id)
            if session.state == .open {
                openSessionByIncident[session.incidentId] = session.id
                viewing.replace(session: session.id, grants: session.viewingGrants)
            }
        }
        for event in snapshot.events where event.kind == .feedViewed {
            if let session = event.sessionId, let path = event.detail["path"]?.stringValue {
                viewsRecorded.insert(Self.viewKey(session: session, org: event.actor, path: path))
            }
        }
        for event in snapshot.events {
            guard let key = event.detail[Self.idempotencyKeyField]?.stringValue else { continue }
            switch event.kind {
            case .incidentCreated:
                if let id = event.incidentId {
                    idempotentCreations[Self.idempotencyIndex("incident", actor: event.actor, key: key)] =
                        IdempotentCreation(resource: id, request: Self.incidentRequest(event.detail))
                }
            case .sessionCreated:
                if let id = event.sessionId, let incident = event.incidentId {
                    idempotentCreations[Self.idempotencyIndex("session", actor: event.actor, key: key)] =
                        IdempotentCreation(resource: id, request: Self.sessionRequest(incident: incident))
                }
            default:
                break
            }
        }
        nextIncidentNumber = Self.nextNumber(after: incidents.keys, prefix: "inc-")
        nextSessionNumber = Self.nextNumber(after: sessions.keys, prefix: "ses-")
    }

    // MARK: - the gate, the commit, the refusal

    /// Runs one command at a time, in arrival order.
    func enterGate() async {
        if gateBusy {
            await withCheckedContinuation { gateWaiters.append($0) }
        } else {
            gateBusy = true
        }
    }

    func leaveGate() {
        if gateWaiters.isEmpty {
            gateBusy = false
        } else {
            // Ownership passes straight to the next waiter; the gate never looks free in between.
            gateWaiters.removeFirst().resume()
        }
    }

    /// Persists one event with the changed incident/session, then (only then) applies them to
    /// memory and the viewing index and publishes the event. Call inside the gate.
    @discardableResult
    func commit(
        _ kind: AuditKind, at: Date, actor: String, sessionId: String?, incidentId: String?,
        detail: [String: AuditValue], incident: Incident? = nil, session: JointSession? = nil
    ) async throws(ReportingError) -> AuditEvent {
        let event = chain.next(at: at, actor: actor, sessionId: sessionId, incidentId: incidentId, kind: kind, detail: detail)
        do {
            try await store.commit(event, incident: incident, session: session)
        } catch {
            throw ReportingError(.unavailable, "the record could not be written, so nothing was applied", underlying: error)
        }
        chain.commit(event)
        events.append(event)
        if let incident { incidents[incident.id] = incident }
        if let session { apply(session) }
        publish(event)
        return event
    }

    private func apply(_ session: JointSession) {
        if sessions[session.id] == nil {
            sessionsByIncident[session.incidentId, default: []].append(session.id)
        }
        sessions[session.id] = session
        if session.state == .open {
            openSessionByIncident[session.incidentId] = session.id
        } else if openSessionByIncident[session.incidentId] == session.id {
            openSessionByIncident[session.incidentId] = nil
        }
        // Access granted by the session changes here, before the command returns: a removed or
        // closed-out viewer is refused from its very next segment request.
        viewing.replace(session: session.id, grants: session.viewingGrants)
    }

    /// Appends a refusal event. Call inside the gate. A refusal that cannot be stored is not
    /// retried: the caller still gets the original refusal, which is what matters to it.
    func appendRefusal(
        _ error: ReportingError, command: String, at: Date, actor: String, sessionId: String?,
        incidentId: String?, arguments: [String: AuditValue]
    ) async {
        guard error.code != .unavailable else { return }
        var detail = arguments
        detail["command"] = .string(command)
        detail["code"] = .string(error.code.rawValue)
        // The finer reason lets a reader of the record say the refusal in its own language.
        if let reason = error.reason { detail["reason"] = .string(reason.rawValue) }
        detail["message"] = .string(error.message)
        _ = try? await commit(.refused, at: at, actor: String(actor.prefix(200)), sessionId: sessionId,
                              incidentId: incidentId, detail: detail)
    }

    /// Records a refusal decided outside this module (a malformed request body, say), so that
    /// every refusal is on the record. Returns the error for the caller to throw.
    @discardableResult
    public func recordRefusal(
        _ error: ReportingError, command: String, actor: String, sessionId: String? = nil,
        incidentId: String? = nil, arguments: [String: AuditValue] = [:]
    ) async -> ReportingError {
        await enterGate()
        defer { leaveGate() }
        // Name only things the record knows, so a refusal cannot plant a misleading reference.
        let session = sessionId.flatMap { sessions[$0] != nil ? $0 : nil }
        let incident = incidentId.flatMap { incidents[$0] != nil ? $0 : nil }
        await appendRefusal(error, command: command, at: clock.now(), actor: actor, sessionId: session,
                            incidentId: incident, arguments: arguments)
        return error
    }

    /// Records an event decided outside joint reporting (recording's anchors, playbacks, holds).
    /// Names only an incident or session the record knows.
    @discardableResult
    public func recordExternal(
        _ kind: AuditKind, actor: String, sessionId: String? = nil, incidentId: String? = nil, detail: [String: AuditValue]
    ) async throws(ReportingError) -> AuditEvent {
        await enterGate()
        defer { leaveGate() }
        let session = sessionId.flatMap { sessions[$0] != nil ? $0 : nil }
        let incident = incidentId.flatMap { incidents[$0] != nil ? $0 : nil }
        return try await commit(kind, at: clock.now(), actor: String(actor.prefix(200)), sessionId: session, incidentId: incident, detail: detail)
    }

    // MARK: - helpers

    static func viewKey(session: String, org: String, path: String) -> String {
        "\(session)|\(org)|\(path)"
    }

    /// Identifiers are `inc-000001`, `ses-000001`, ...: sequential (so tests and operators can
    /// read them) and resumed after the highest stored one, so a restart never reuses one.
    static func nextNumber(after ids: some Sequence<String>, prefix: String) -> Int {
        var highest = 0
        for id in ids where id.hasPrefix(prefix) {
            if let number = Int(id.dropFirst(prefix.count)) { highest = max(highest, number) }
        }
        return highest + 1
    }

    /// The field of a creation's event that keeps the idempotency key it was asked with.
    static let idempotencyKeyField = "idempotencyKey"

    static func idempotencyIndex(_ kind: String, actor: String, key: String) -> String {
        "\(kind)|\(actor)|\(key)"
    }

    /// What identifies an incident creation request, from its event's detail (or the arguments
    /// of a new request, shaped the same): a retry must ask for exactly this again.
    static func incidentRequest(_ detail: [String: AuditValue]) -> [String: AuditValue] {
        var request: [String: AuditValue] = [:]
        for field in ["villageCode", "townshipCode", "category", "grade", "title", "firstReport"] {
            request[field] = detail[field] ?? .null
        }
        return request
    }

    static func sessionRequest(incident: String) -> [String: AuditValue] {
        ["incident": .string(incident)]
    }

    /// The resource an earlier request with the same key created, if the request is the same;
    /// a different request with the same key is refused (the client reused a key by mistake, and
    /// answering with the first resource would hide that).
    func idempotentReplay(_ kind: String, actor: String, key: String?, request: [String: AuditValue]) throws(ReportingError) -> String? {
        guard let key, let prior = idempotentCreations[Self.idempotencyIndex(kind, actor: actor, key: key)] else { return nil }
        guard prior.request == request else {
            throw ReportingError(.invalid, "the idempotency key '\(key.prefix(80))' was used for another \(kind) request (\(prior.resource)); use a new key for a new request",
                                 reason: .idempotencyKeyReused)
        }
        return prior.resource
    }

    static func identifier(_ prefix: String, _ number: Int) -> String {
        let digits = String(number)
        return prefix + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
