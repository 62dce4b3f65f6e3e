import Evidence
import Foundation
import Recording

/// What the recording routes work with: the manager (nil when recording is off) and why it is off.
public struct RecordingContext: Sendable {
    public let configuration: RecordingConfiguration
    public let manager: RecordingManager?
    /// Why recording is off (a missing or read-only directory, `recording.enabled: false`).
    public let offReason: String?
    /// The gateway's evidence key (public half), served at `/api/v1/evidence/public-key`.
    public let evidenceKey: EvidencePublicKey?
    /// Evidence exports (nil when recording is off).
    public let exports: ExportRunner?

    public init(configuration: RecordingConfiguration, manager: RecordingManager?, offReason: String?,
                evidenceKey: EvidencePublicKey? = nil, exports: ExportRunner? = nil) {
        self.evidenceKey = evidenceKey
        self.exports = exports
        self.configuration = configuration
        self.manager = manager
        self.offReason = offReason
    }

    /// Recording off: every route answers 503 naming why, never a crash or a hang.
    public static func off(_ reason: String) -> RecordingContext {
        RecordingContext(configuration: RecordingConfiguration(), manager: nil, offReason: reason)
    }

    func requireManager() throws -> RecordingManager {
        guard let manager else {
            throw APIError(.serviceUnavailable, "recording is off: \(offReason ?? "not configured")", code: "recording_off")
        }
        return manager
    }
}

extension RecordingError {
    /// The HTTP form of a recording refusal; a field at fault is named in the message.
    var apiError: APIError {
        switch code {
        case .invalidRequest, .invalidConfiguration: APIError(.badRequest, message, code: field.map { "invalid_\($0)" } ?? "bad_request")
        case .notFound: APIError(.notFound, message)
        case .forbidden: APIError(.forbidden, message)
        case .conflict: APIError(.conflict, message)
        case .unavailable: APIError(.serviceUnavailable, message, code: "recording_unavailable")
        case .integrity: APIError(.internalServerError, message, code: "integrity")
        case .storage: APIError(.serviceUnavailable, message, code: "storage")
        }
    }
}
