import Foundation
import HTTPTypes
import Hummingbird
import JointReporting
import NIOCore
import PathRules
import Recording

/// Recording's REST API under `/api/v1` (issue 13): status, hand recordings, evidence marks and
/// legal holds. Who may act: the admin, or an organisation whose jurisdiction covers the path
/// (for a hold: the incident's county or city); a hold's state is read by anyone who may read the
/// incident. Index calls run off the event loops.
struct RecordingController: Sendable {
    typealias Context = RelayRequestContext

    let recording: RecordingContext
    let reporting: ReportingContext
    var coordinator: SessionCoordinator { reporting.coordinator }

    func addRoutes(to router: Router<Context>) {
        let api = router.group("/api/v1")
        api.get("recordings/status") { request, context in
            let caller = try await reporting.caller(request, context, readOnly: true)
            return try RelayRouter.jsonResponse(status(showPaths: caller == .admin))
        }
        api.post("recordings") { request, context in
            let manager = try recording.requireManager()
            let body = try await Self.body(HandBody.self, request)
            let path = try Self.path(body.path)
            let actor = try await authorize(request, context, path: path, action: "record")
            let hand = try await Self.offLoop { try manager.startHand(path: path.description, note: body.note ?? "", by: actor) }
            return try Self.json(HandView(hand), status: .created)
        }
        api.post("recordings/{id}/stop") { request, context in
            let manager = try recording.requireManager()
            guard let id = Int64(try context.parameters.require("id")) else { throw APIError(.notFound, "no hand recording with that id") }
            guard let hand = try await Self.offLoop({ try manager.index.handRecording(id: id) }) else {
                throw APIError(.notFound, "no hand recording \(id)")
            }
            let actor = try await authorize(request, context, path: try Self.path(hand.path), action: "stop recording")
            let stopped = try await Self.offLoop { try manager.stopHand(id: id, by: actor) }
            return try Self.json(HandView(stopped))
        }
        api.post("recordings/evidence") { request, context in
            let manager = try recording.requireManager()
            let body = try await Self.body(EvidenceBody.self, request)
            let path = try Self.path(body.path)
            let actor = try await authorize(request, context, path: path, action: "mark evidence of")
            guard let from = RecordingTime.parse(body.from) else { throw APIError(.badRequest, "from: not an RFC 3339 time", code: "invalid_from") }
            guard let to = RecordingTime.parse(body.to) else { throw APIError(.badRequest, "to: not an RFC 3339 time", code: "invalid_to") }
            guard to > from else { throw APIError(.badRequest, "to: must be after from", code: "invalid_to") }
            let mark = try await Self.offLoop {
                try manager.index.markEvidence(path: path.description, from: from, to: to, note: body.note ?? "", by: actor, at: manager.writer.now())
            }
            return try Self.json(EvidenceView(mark), status: .created)
        }
        api.get("recordings/evidence") { request, context in
            let manager = try recording.requireManager()
            guard try await reporting.caller(request, context, readOnly: true) == .admin else {
                throw APIError(.forbidden, "evidence marks are listed to the admin")
            }
            let marks = try await Self.offLoop { try manager.index.evidenceMarks(includeReleased: true) }
            return try Self.json(["marks": marks.map(EvidenceView.init)])
        }
        api.post("recordings/evidence/{id}/release") { request, context in
            let manager = try recording.requireManager()
            guard try await reporting.caller(request, context, readOnly: false) == .admin else {
                throw APIError(.forbidden, "only the admin releases video marked as evidence")
            }
            guard let id = Int64(try context.parameters.require("id")) else { throw APIError(.notFound, "no evidence mark with that id") }
            let mark = try await Self.offLoop { try manager.index.releaseEvidence(id: id, by: "admin", at: manager.writer.now()) }
            return try Self.json(EvidenceView(mark))
        }
        api.get("incidents/{id}/hold") { request, context in
            try await holdState(request, context)
        }
        api.post("incidents/{id}/hold") { request, context in
            try await hold(request, context, place: true)
        }
        api.delete("incidents/{id}/hold") { request, context in
            try await hold(request, context, place: false)
        }
    }

    // MARK: - status

    struct Status: Encodable {
        var enabled: Bool
        /// recording, disk-low or off.
        var state: String
        var reason: String?
        var directory: String?
        var freeMiB: Int64?
        var minFreeMiB: Int
        var fragmentsWritten: Int
        var fragmentsDropped: Int
        var bytesWritten: Int64
        var openFiles: Int
        var queuedBytes: Int
        var writeErrors: Int
        /// What is recorded now and why (rule, session, hand); for the admin only.
        var recording: [String: [String]]?
    }

    func status(showPaths: Bool) -> Status {
        guard let manager = recording.manager else {
            return Status(enabled: false, state: "off", reason: recording.offReason, directory: nil, freeMiB: nil,
                          minFreeMiB: recording.configuration.minFreeMiB, fragmentsWritten: 0, fragmentsDropped: 0, bytesWritten: 0,
                          openFiles: 0, queuedBytes: 0, writeErrors: 0, recording: nil)
        }
        let figures = manager.writer.currentFigures
        let free = manager.writer.freeBytes.map { $0 / 1_048_576 }
        return Status(enabled: true, state: figures.diskLow ? "disk-low" : "recording",
                      reason: figures.diskLow ? "free space below recording.minFreeMiB: new recording stopped until space returns" : nil,
                      directory: showPaths ? manager.writer.directory.path : nil, freeMiB: free, minFreeMiB: manager.configuration.minFreeMiB,
                      fragmentsWritten: figures.fragmentsWritten, fragmentsDropped: figures.fragmentsDropped, bytesWritten: figures.bytesWritten,
                      openFiles: figures.openFiles, queuedBytes: figures.queuedBytes, writeErrors: figures.writeErrors,
                      recording: showPaths ? manager.recording : nil)
    }

    // MARK: - holds

    /// Whether the incident's video is under a legal hold, to anyone who may read the incident, with
    /// the `actions` this caller may take on it (`place` or `release`; none for a viewer token), so
    /// the console draws the switch only for those who may use it.
    func holdState(_ request: Request, _ context: Context) async throws -> Response {
        let manager = try recording.requireManager()
        let id = try context.parameters.require("id")
        let caller = try await reporting.caller(request, context, readOnly: true)
        let incident: Incident
        do {
            incident = try await coordinator.incident(id: id, as: caller.viewer)
        } catch {
            throw error.apiError
        }
        let hold = try await Self.offLoop { try manager.index.holds().first { $0.incidentID == id } }
        var actions: [String] = []
        if case .caller(_, viewerToken: false)? = context.authentication, holdActor(caller, incident: incident) != nil {
            actions = [hold == nil ? "place" : "release"]
        }
        return try Self.json(HoldState(held: hold != nil, hold: hold.map(HoldView.init), actions: actions))
    }

    func hold(_ request: Request, _ context: Context, place: Bool) async throws -> Response {
        let manager = try recording.requireManager()
        let id = try context.parameters.require("id")
        let caller = try await reporting.caller(request, context, readOnly: false)
        guard let incident = try? await coordinator.incident(id: id, as: .admin) else { throw APIError(.notFound, "no incident \(id)") }
        guard let actor = holdActor(caller, incident: incident) else {
            throw APIError(.forbidden, "a legal hold is placed or released by the admin or by the incident's county or city")
        }
        let note = place ? (try? await Self.body(HoldBody.self, request))?.note ?? "" : ""
        if place {
            let hold = try await Self.offLoop { try manager.index.placeHold(incidentID: id, note: note, by: actor, at: manager.writer.now()) }
            _ = try? await coordinator.recordExternal(.holdPlaced, actor: actor, incidentId: id, detail: ["note": .string(note)])
            return try Self.json(HoldView(hold), status: .created)
        }
        try await Self.offLoop { try manager.index.releaseHold(incidentID: id, by: actor, at: manager.writer.now()) }
        _ = try? await coordinator.recordExternal(.holdReleased, actor: actor, incidentId: id, detail: [:])
        return Response(status: .noContent)
    }

    /// Who may place or release `incident`'s hold, by name: the admin, or a county or city whose
    /// jurisdiction holds the incident's place; nil for anyone else.
    func holdActor(_ caller: Caller, incident: Incident) -> String? {
        switch caller {
        case .admin:
            return "admin"
        case .organisation(let org):
            guard let organisation = coordinator.directory.organisation(id: org),
                  organisation.level == .county || organisation.level == .city,
                  organisation.jurisdictionContains(areaCode: incident.location.areaCode) else { return nil }
            return org
        }
    }

    // MARK: - helpers

    /// The acting caller's name when it may act on `path`: the admin, or an organisation whose
    /// jurisdiction covers it (viewer tokens never act).
    func authorize(_ request: Request, _ context: Context, path: MediaPath, action: String) async throws -> String {
        switch try await reporting.caller(request, context, readOnly: false) {
        case .admin:
            return "admin"
        case .organisation(let org):
            guard let source = try? SourcePath(parsing: path.description), coordinator.directory.jurisdiction(of: org, contains: source) else {
                throw APIError(.forbidden, "\(org) may not \(action) \(path): it is outside its jurisdiction")
            }
            return org
        }
    }

    static func path(_ text: String) throws -> MediaPath {
        do {
            return try MediaPath(text)
        } catch {
            throw APIError(.badRequest, "path: \(error)", code: "invalid_path")
        }
    }

    static func body<Body: Decodable>(_ type: Body.Type, _ request: Request) async throws -> Body {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError(.badRequest, "malformed JSON body: \(ReportingController.describe(error))", code: "bad_request")
        }
    }

    /// Runs a blocking index call on a thread of its own, mapping recording errors to HTTP.
    static func offLoop<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        let result: Result<Value, any Error> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Result { try body() }) }
        }
        do {
            return try result.get()
        } catch let error as RecordingError {
            throw error.apiError
        }
    }

    static func json<Value: Encodable>(_ value: Value, status: HTTPResponse.Status = .ok) throws -> Response {
        try ReportingController.json(value, status: status)
    }

    struct HandBody: Decodable { var path: String; var note: String? }
    struct EvidenceBody: Decodable { var path: String; var from: String; var to: String; var note: String? }
    struct HoldBody: Decodable { var note: String? }

    /// A hold as the API shows it (`incident`, as the POST has always answered).
    struct HoldView: Encodable {
        var incident: String, placedBy: String, placedAt: String, note: String
        init(_ hold: LegalHold) {
            incident = hold.incidentID; placedBy = hold.placedBy; placedAt = RecordingTime.format(hold.placedAt); note = hold.note
        }
    }

    struct HoldState: Encodable {
        var held: Bool
        var hold: HoldView?
        var actions: [String]
    }

    struct HandView: Encodable {
        var id: Int64, path: String, note: String, startedBy: String, startedAt: String, stoppedBy: String?, stoppedAt: String?
        init(_ hand: HandRecording) {
            id = hand.id; path = hand.path; note = hand.note; startedBy = hand.startedBy
            startedAt = RecordingTime.format(hand.startedAt); stoppedBy = hand.stoppedBy; stoppedAt = hand.stoppedAt.map(RecordingTime.format)
        }
    }

    struct EvidenceView: Encodable {
        var id: Int64, path: String, from: String, to: String, note: String, markedBy: String, markedAt: String, releasedBy: String?, releasedAt: String?
        init(_ mark: EvidenceMark) {
            id = mark.id; path = mark.path; from = RecordingTime.format(mark.from); to = RecordingTime.format(mark.to); note = mark.note
            markedBy = mark.markedBy; markedAt = RecordingTime.format(mark.markedAt); releasedBy = mark.releasedBy
            releasedAt = mark.releasedAt.map(RecordingTime.format)
        }
    }
}
