import Evidence
import Foundation
import HTTPTypes
import Hummingbird
import JointReporting
import NIOCore
import PathRules
import Recording

/// Evidence exports and the evidence key (issue 14): `GET /api/v1/evidence/public-key`,
/// `POST /api/v1/exports`, `GET /api/v1/exports[/{id}[/download]]`. Who may export: the admin, an
/// organisation whose jurisdiction covers the path, and an organisation that took part in a
/// session for the spans it could see live (as playback). A job is seen and downloaded by whoever
/// asked for it and the admin. Asked, finished, failed and downloaded are events on the record.
struct ExportController: Sendable {
    typealias Context = RelayRequestContext

    let recording: RecordingContext
    let reporting: ReportingContext
    var access: PlaybackAccess { PlaybackAccess(reporting: reporting) }

    func addRoutes(to router: Router<Context>) {
        let api = router.group("/api/v1")
        api.get("evidence/public-key") { _, _ in
            guard let key = recording.evidenceKey else {
                throw APIError(.serviceUnavailable, "the gateway has no evidence key", code: "evidence_off")
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/x-pem-file"
            headers[HTTPField.Name("X-Evidence-Key-Id")!] = key.id
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: key.pem)))
        }
        api.post("exports") { request, context in
            try await create(request, context)
        }
        api.get("exports") { request, context in
            let exports = try requireExports()
            let caller = try await reporting.caller(request, context, readOnly: true)
            let jobs = try await RecordingController.offLoop { try exports.jobs() }
            return try RecordingController.json(ExportList(exports: jobs.filter { caller == .admin || $0.requestedBy == caller.description }
                .map { ExportView($0, waiting: nil) }))
        }
        api.get("exports/{id}") { request, context in
            let (job, waiting) = try await ownJob(request, context)
            return try RecordingController.json(ExportView(job, waiting: waiting))
        }
        api.get("exports/{id}/download") { request, context in
            try await download(request, context)
        }
    }

    func requireExports() throws -> ExportRunner {
        _ = try recording.requireManager()
        guard let exports = recording.exports else {
            throw APIError(.serviceUnavailable, "exports are off: recording is off", code: "recording_off")
        }
        return exports
    }

    func create(_ request: Request, _ context: Context) async throws -> Response {
        let exports = try requireExports()
        let manager = try recording.requireManager()
        let caller = try await reporting.caller(request, context, readOnly: false)
        let body = try await RecordingController.body(ExportBody.self, request)
        let path = try RecordingController.path(body.path)
        guard (body.note ?? "").count <= 2000 else { throw APIError(.badRequest, "note: at most 2000 characters", code: "invalid_note") }
        let range = try PlaybackController.mapped {
            try PlaybackRange.parse(from: body.from, to: body.to, now: manager.writer.now(), maxMinutes: recording.configuration.maxExportMinutes)
        }
        let scope = try await access.scope(caller, path: path, index: manager.index, now: manager.writer.now())
        let allowed: [ExportJob.AllowedSpan]? = switch scope {
        case .all: nil
        case .spans(let spans): spans.map { ExportJob.AllowedSpan(from: $0.lowerBound, to: $0.upperBound) }
        }
        // Nothing recorded (or nothing the caller could see live) in the range: refused now, not as a failed job.
        let name = path.description
        let found = try await RecordingController.offLoop {
            try PlaybackPlan.spans(index: manager.index, path: name, from: range.from, to: range.to)
        }
        guard found.spans.contains(where: { scope.allows($0.from, $0.to) }) else {
            throw APIError(.notFound, "nothing is recorded of \(path) from \(RecordingTime.format(range.from)) to \(RecordingTime.format(range.to))"
                           + (allowed != nil ? " that \(caller) could see live" : ""), code: "nothing_recorded")
        }
        // The incident it is for (optional): its record gets the export's events.
        if let incident = body.incident {
            do {
                _ = try await reporting.coordinator.incident(id: incident, as: caller.viewer)
            } catch {
                throw error.apiError
            }
        }
        let note = body.note ?? ""
        let actor = caller.description
        let incident = body.incident
        let job = try await RecordingController.offLoop {
            try exports.submit(path: name, range: range, note: note, requestedBy: actor, incidentID: incident, allowed: allowed)
        }
        _ = try? await reporting.coordinator.recordExternal(.exportRequested, actor: actor, incidentId: job.incidentID, detail: Self.detail(job))
        var response = try RecordingController.json(ExportCreated(id: job.id, state: job.state.rawValue), status: .accepted)
        response.headers[.location] = "/api/v1/exports/\(job.id)"
        return response
    }

    /// The job, for the admin or whoever asked for it (anyone else: 404, not a hint it exists).
    func ownJob(_ request: Request, _ context: Context) async throws -> (ExportJob, String?) {
        let exports = try requireExports()
        let caller = try await reporting.caller(request, context, readOnly: true)
        let id = try context.parameters.require("id")
        guard let (job, waiting) = try await RecordingController.offLoop({ try exports.job(id: id) }),
              caller == .admin || job.requestedBy == caller.description else {
            throw APIError(.notFound, "no export \(id)", code: "no_export")
        }
        return (job, waiting)
    }

    func download(_ request: Request, _ context: Context) async throws -> Response {
        let exports = try requireExports()
        let (job, _) = try await ownJob(request, context)
        switch job.state {
        case .queued, .running:
            throw APIError(.conflict, "export \(job.id) is \(job.state.rawValue): poll /api/v1/exports/\(job.id) until it is done", code: "export_not_done")
        case .failed:
            throw APIError(.conflict, "export \(job.id) failed: \(job.error ?? "no reason recorded")", code: "export_failed")
        case .expired:
            throw APIError(.gone, "export \(job.id) expired: packages are kept recording.exportRetentionHours "
                           + "(\(recording.configuration.exportRetentionHours)) after they finish; export again", code: "export_expired")
        case .done:
            break
        }
        let path = exports.packagePath(job)
        guard FileManager.default.fileExists(atPath: path) else {
            throw APIError(.gone, "export \(job.id)'s package is no longer on disk", code: "export_expired")
        }
        let body = try await FileIO().loadFile(path: path, context: context)
        let caller = try await reporting.caller(request, context, readOnly: true)
        var detail = Self.detail(job)
        if let sha256 = job.sha256 { detail["sha256"] = .string(sha256.lowercaseHex) }
        _ = try? await reporting.coordinator.recordExternal(.exportDownloaded, actor: caller.description, incidentId: job.incidentID, detail: detail)
        var headers = HTTPFields()
        headers[.contentType] = "application/zip"
        headers[.contentDisposition] = "attachment; filename=\"\(job.fileName)\""
        if let size = job.size { headers[.contentLength] = String(size) }
        if let sha256 = job.sha256 { headers[HTTPField.Name("X-Package-SHA256")!] = sha256.lowercaseHex }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func detail(_ job: ExportJob) -> [String: AuditValue] {
        ["export": .string(job.id), "path": .string(job.path), "from": .string(RecordingTime.format(job.from)),
         "to": .string(RecordingTime.format(job.to)), "note": .string(job.note)]
    }

    struct ExportBody: Decodable { var path: String; var from: String?; var to: String?; var note: String?; var incident: String? }
    struct ExportCreated: Encodable { var id: String; var state: String }
    struct ExportList: Encodable { var exports: [ExportView] }
    struct ExportView: Encodable {
        var id: String, path: String, from: String, to: String, note: String, requestedBy: String, incident: String?, createdAt: String
        var state: String, progress: Double, error: String?, waiting: String?, finishedAt: String?, size: Int64?, sha256: String?
        var restricted: Bool
        var download: String?

        init(_ job: ExportJob, waiting: String?) {
            id = job.id; path = job.path; from = RecordingTime.format(job.from); to = RecordingTime.format(job.to)
            note = job.note; requestedBy = job.requestedBy; incident = job.incidentID; createdAt = RecordingTime.format(job.createdAt)
            state = job.state.rawValue; progress = (job.progress * 1000).rounded() / 1000; error = job.error
            self.waiting = waiting; finishedAt = job.finishedAt.map(RecordingTime.format); size = job.size
            sha256 = job.sha256?.lowercaseHex; restricted = job.allowed != nil
            download = job.state == .done ? "/api/v1/exports/\(job.id)/download" : nil
        }
    }
}
